// The ledger's local spool: where a gateway keeps what it could not commit
// because the store is out of reach (PostgreSQL down or cut off, a disk
// that refused the write), so that money is never lost, and delivers it
// when the store is back. Private to governance; the writer thread is its
// only user.
//
// One file per gateway process, `ledger-<store>-<id>.spool` in the spool folder
// (0700; the file 0600), locked with flock while the process lives. Each
// line is one WriterItem as JSON (a ledger row with its charges and alert
// events); an append is written whole and fdatasync'd before the writer
// counts its items as kept, and a failed append is cut back off. Items are
// read back in order, committed, and the file is emptied once all are in.
// Replaying twice is harmless: a ledger row's request id is unique and its
// charges are booked only with a new row (ledger_writer.cpp), and alert
// event ids are deterministic.
//
// A file whose lock is free belongs to a gateway that stopped (killed,
// crashed) before delivering it: the next gateway that starts with the same
// spool folder adopts it, delivers it, and removes it.
//
// An item the store refuses on its own while it takes other rows (a row no
// retry can get in) is set aside in `<file>.rejected` rather than holding
// up everything behind it (ledger_writer.cpp, deliver_in_parts).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "megarouter/core/error.hpp"
#include "writer_item.hpp"

namespace megarouter::governance {

// The longest line read as an item (an item is about 1 kB).
inline constexpr std::size_t k_max_spool_line = 4u << 20;

// One item as a spool line (no newline), and back (spool_line.cpp). decode_spool_line()
// accepts any text: a line that is not a whole item (a torn write, a foreign
// file) gives nullopt.
std::string encode_spool_line(const WriterItem& item);
std::optional<WriterItem> decode_spool_line(std::string_view line);

class LedgerSpool {
public:
    // A new spool file for this process in `dir` (created 0700), locked,
    // for the store named `store` (its files carry a hash of the name, so
    // gateways of different stores may share a folder). Appends stop at
    // `max_bytes` (the file's size). Fails with io.
    static Result<LedgerSpool> create(const std::filesystem::path& dir, std::string_view store, std::string_view id,
                                      std::uint64_t max_bytes);
    // The spool files for `store` in `dir` that no running process holds,
    // each opened and locked by this process. Nothing when `dir` is absent.
    static std::vector<LedgerSpool> adopt_orphans(const std::filesystem::path& dir, std::string_view store);

    LedgerSpool(LedgerSpool&& other) noexcept;
    LedgerSpool& operator=(LedgerSpool&& other) noexcept;
    LedgerSpool(const LedgerSpool&) = delete;
    LedgerSpool& operator=(const LedgerSpool&) = delete;
    ~LedgerSpool();

    // Writes `items` whole and durably, or not at all. Fails with
    // resource-style io errors (disk full, over max_bytes).
    Result<void> append(const std::vector<const WriterItem*>& items);
    // Up to `max` items from where reading stands, without moving past them
    // until consumed(). Lines that are not items are skipped (counted in
    // skipped()).
    Result<std::vector<WriterItem>> peek(std::size_t max);
    // The items of the last peek() are in the store: move past them, and
    // empty the file when everything is.
    void consumed();
    bool empty() const { return m_read >= m_size; }
    std::uint64_t rows() const { return m_rows; } // items appended or found, not yet consumed
    std::uint64_t skipped() const { return m_skipped; }
    const std::filesystem::path& path() const { return m_path; }
    // Removes the file (an adopted one, once delivered).
    void remove();
    // Keeps `item`, which the store refuses on its own, in `<file>.rejected`
    // (0600, appended and fdatasync'd) for an operator to look at; the
    // caller then moves past it with peek() and consumed(). Fails with io.
    Result<void> set_aside(const WriterItem& item) const;
    std::filesystem::path rejected_path() const { return m_path.string() + ".rejected"; }

private:
    LedgerSpool() = default;
    int m_fd = -1;
    std::filesystem::path m_path;
    std::uint64_t m_max = 0;
    std::uint64_t m_size = 0;    // bytes in the file
    std::uint64_t m_read = 0;    // bytes before the first item not yet consumed
    std::uint64_t m_peeked = 0;  // where the last peek() stopped
    std::uint64_t m_peeked_rows = 0;
    std::uint64_t m_rows = 0;
    std::uint64_t m_skipped = 0;
    bool m_broken = false; // a failed append could not be cut back off
};

} // namespace megarouter::governance
