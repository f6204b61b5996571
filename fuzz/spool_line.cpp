// The ledger spool's line decoder (governance/spool_line.cpp) on arbitrary
// bytes: what a torn write, a full disk or a foreign file leaves in the
// spool folder. Never a crash; a line that decodes is an item whose own
// encoding decodes to the same encoding (nothing is lost or changed when a
// spooled item is read back and written again), and an item with charges
// always carries its row (so a replay cannot book the charges twice).
#include "fuzz_input.hpp"
#include "governance/ledger_spool.hpp"

using namespace megarouter;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::Input input(data, size);
    auto item = governance::decode_spool_line(input.rest());
    if (!item) return 0;
    if (!item->charges.empty() && !item->row) __builtin_trap();
    if (item->row && item->row->request_id.empty()) __builtin_trap();
    std::string once = governance::encode_spool_line(*item);
    auto again = governance::decode_spool_line(once);
    if (!again || governance::encode_spool_line(*again) != once) __builtin_trap();
    return 0;
}
