// The ledger's local spool (ledger_spool.hpp): append whole and durable,
// read back in order, adopt what a stopped gateway left.
#include "ledger_spool.hpp"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto.hpp"

namespace megarouter::governance {

namespace {

constexpr std::string_view k_prefix = "ledger-";
constexpr std::string_view k_suffix = ".spool";

Error io_error(std::string what, const std::filesystem::path& path, int err) {
    return make_error(ErrorCode::io, what + " " + path.string() + ": " + std::strerror(err));
}

Result<void> write_all(int fd, std::string_view data, const std::filesystem::path& path) {
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return std::unexpected(io_error("cannot write the ledger spool", path, n < 0 ? errno : ENOSPC));
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return {};
}

// "ledger-<12 hex digits of the store name's SHA-256>-": the files of one store.
std::string prefix_of(std::string_view store) {
    return std::string(k_prefix) + crypto::sha256_hex(store).substr(0, 12) + "-";
}

// Opens `path` and takes its lock without waiting; -1 when it cannot.
int open_locked(const std::filesystem::path& path, int flags) {
    int fd = ::open(path.c_str(), flags | O_CLOEXEC, 0600);
    if (fd < 0) return -1;
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

} // namespace

Result<LedgerSpool> LedgerSpool::create(const std::filesystem::path& dir, std::string_view store, std::string_view id,
                                        std::uint64_t max_bytes) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return std::unexpected(io_error("cannot create the ledger spool folder", dir, ec.value()));
    ::chmod(dir.c_str(), 0700);
    LedgerSpool spool;
    spool.m_path = dir / (prefix_of(store) + std::string(id) + std::string(k_suffix));
    spool.m_max = max_bytes;
    spool.m_fd = open_locked(spool.m_path, O_RDWR | O_CREAT | O_APPEND);
    if (spool.m_fd < 0) return std::unexpected(io_error("cannot open the ledger spool", spool.m_path, errno));
    // The file's name must survive a power cut along with what is written into it.
    if (int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
    struct stat st {};
    if (::fstat(spool.m_fd, &st) == 0) spool.m_size = static_cast<std::uint64_t>(st.st_size);
    return spool;
}

std::vector<LedgerSpool> LedgerSpool::adopt_orphans(const std::filesystem::path& dir, std::string_view store) {
    std::vector<LedgerSpool> out;
    std::error_code ec;
    const std::string prefix = prefix_of(store);
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
        std::string name = entry.path().filename().string();
        if (!name.starts_with(prefix) || !name.ends_with(k_suffix)) continue;
        LedgerSpool spool;
        spool.m_path = entry.path();
        spool.m_fd = open_locked(spool.m_path, O_RDWR);
        if (spool.m_fd < 0) continue; // a running gateway's, or gone
        struct stat st {};
        if (::fstat(spool.m_fd, &st) != 0) continue;
        spool.m_size = static_cast<std::uint64_t>(st.st_size);
        // Count its items (lines) for the figures.
        char buffer[1 << 16];
        for (std::uint64_t at = 0; at < spool.m_size;) {
            ssize_t n = ::pread(spool.m_fd, buffer, sizeof buffer, static_cast<off_t>(at));
            if (n <= 0) break;
            for (ssize_t i = 0; i < n; ++i) spool.m_rows += buffer[i] == '\n';
            at += static_cast<std::uint64_t>(n);
        }
        out.push_back(std::move(spool));
    }
    return out;
}

LedgerSpool::LedgerSpool(LedgerSpool&& other) noexcept { *this = std::move(other); }

LedgerSpool& LedgerSpool::operator=(LedgerSpool&& other) noexcept {
    if (this == &other) return *this;
    if (m_fd >= 0) ::close(m_fd);
    m_fd = std::exchange(other.m_fd, -1);
    m_path = std::move(other.m_path);
    m_max = other.m_max;
    m_size = other.m_size;
    m_read = other.m_read;
    m_peeked = other.m_peeked;
    m_peeked_rows = other.m_peeked_rows;
    m_rows = other.m_rows;
    m_skipped = other.m_skipped;
    m_broken = other.m_broken;
    return *this;
}

LedgerSpool::~LedgerSpool() {
    if (m_fd >= 0) ::close(m_fd); // an empty own file stays: removing it would race an adopter
}

Result<void> LedgerSpool::append(const std::vector<const WriterItem*>& items) {
    if (items.empty()) return {};
    std::string data;
    for (const WriterItem* item : items) {
        data += encode_spool_line(*item);
        data += '\n';
    }
    if (m_broken) return fail(ErrorCode::io, "the ledger spool " + m_path.string() + " cannot be written any more");
    if (m_size + data.size() > m_max)
        return fail(ErrorCode::io, "the ledger spool " + m_path.string() + " is full (" + std::to_string(m_size) +
                                       " of " + std::to_string(m_max) + " bytes)");
    auto written = write_all(m_fd, data, m_path);
    if (written && ::fdatasync(m_fd) != 0) written = std::unexpected(io_error("cannot sync the ledger spool", m_path, errno));
    if (!written) {
        // Cut a partial append back off, so the file holds whole items only.
        // If even that fails, nothing more goes in: an item appended after a torn line would be read as
        // part of it and lost.
        if (::ftruncate(m_fd, static_cast<off_t>(m_size)) != 0) m_broken = true;
        return written;
    }
    m_size += data.size();
    m_rows += items.size();
    return {};
}

Result<std::vector<WriterItem>> LedgerSpool::peek(std::size_t max) {
    std::vector<WriterItem> items;
    std::string line;
    std::uint64_t at = m_read;
    std::uint64_t line_start = at;
    m_peeked_rows = 0;
    char buffer[1 << 16];
    while (at < m_size && items.size() < max) {
        std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(sizeof buffer, m_size - at));
        ssize_t n = ::pread(m_fd, buffer, want, static_cast<off_t>(at));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return std::unexpected(io_error("cannot read the ledger spool", m_path, n < 0 ? errno : EIO));
        std::size_t i = 0;
        for (; i < static_cast<std::size_t>(n) && items.size() < max; ++i) {
            if (buffer[i] != '\n') {
                if (line.size() <= k_max_spool_line) line.push_back(buffer[i]);
                continue;
            }
            ++m_peeked_rows;
            if (auto item = decode_spool_line(line)) items.push_back(std::move(*item));
            else ++m_skipped;
            line.clear();
            line_start = at + i + 1;
        }
        at += i;
    }
    // A last line without its newline is a torn append: past it only once everything before is in.
    m_peeked = line.empty() || at < m_size ? line_start : m_size;
    if (m_peeked == m_size && !line.empty()) ++m_skipped;
    return items;
}

void LedgerSpool::consumed() {
    m_read = std::max(m_read, m_peeked);
    m_rows = m_rows >= m_peeked_rows ? m_rows - m_peeked_rows : 0;
    m_peeked_rows = 0;
    if (m_read < m_size) return;
    // Everything is in the store: start the file afresh.
    if (::ftruncate(m_fd, 0) == 0) {
        ::fdatasync(m_fd);
        m_size = m_read = m_peeked = m_rows = 0;
    }
}

Result<void> LedgerSpool::set_aside(const WriterItem& item) const {
    std::filesystem::path path = rejected_path();
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) return std::unexpected(io_error("cannot open", path, errno));
    auto written = write_all(fd, encode_spool_line(item) + "\n", path);
    if (written && ::fdatasync(fd) != 0) written = std::unexpected(io_error("cannot sync", path, errno));
    ::close(fd);
    return written;
}

void LedgerSpool::remove() {
    std::error_code ec;
    std::filesystem::remove(m_path, ec);
    if (m_fd >= 0) ::close(m_fd);
    m_fd = -1;
    m_size = m_read = m_peeked = m_rows = 0;
}

} // namespace megarouter::governance
