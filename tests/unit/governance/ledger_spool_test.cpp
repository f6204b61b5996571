// The ledger's local spool: items go in whole and durable, come back in
// order, torn or foreign lines are skipped, and a stopped gateway's file is
// adopted by the next one (of the same store only).
#include "gate_fixture.hpp"
#include "governance/ledger_spool.hpp"

#include <fstream>

using namespace gov_test;

namespace {

struct Folder {
    std::filesystem::path path =
        std::filesystem::temp_directory_path() / ("mr-spool-" + std::to_string(std::random_device{}()));
    ~Folder() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
};

WriterItem item(const std::string& id, Nanos cost) {
    WriterItem it;
    it.row = entry(id, cost);
    it.row->org = "acme";
    it.row->user = "acme/eng/platform/alice";
    it.row->fallback = true;
    it.row->pricing = "estimate";
    it.charges.push_back({7, 1'704'067'200'000, cost});
    return it;
}

std::vector<const WriterItem*> pointers(const std::vector<WriterItem>& items) {
    std::vector<const WriterItem*> out;
    for (const auto& i : items) out.push_back(&i);
    return out;
}

} // namespace

TEST_CASE("spool: an item survives the line format whole") {
    WriterItem in = item("req-1", 123'456);
    in.row->ts = 1'706'702'400'123;
    in.row->cached_tokens = 3;
    in.row->error_code = "upstream_timeout";
    in.events.push_back({"evt_b7_x_alert", "budget.alert", "acme/eng", "team reached alert", 42, {{"spent", 9}}});
    auto out = decode_spool_line(encode_spool_line(in));
    REQUIRE(out.has_value());
    REQUIRE(out->row.has_value());
    CHECK(out->row->request_id == "req-1");
    CHECK(out->row->ts == in.row->ts);
    CHECK(out->row->cost_nanos == 123'456);
    CHECK(out->row->cached_tokens == 3);
    CHECK(out->row->user == "acme/eng/platform/alice");
    CHECK(out->row->fallback);
    CHECK(out->row->pricing == "estimate");
    CHECK(out->row->error_code == "upstream_timeout");
    REQUIRE(out->charges.size() == 1);
    CHECK(out->charges[0].budget_id == 7);
    CHECK(out->charges[0].period_start == 1'704'067'200'000);
    CHECK(out->charges[0].amount == 123'456);
    REQUIRE(out->events.size() == 1);
    CHECK(out->events[0].id == "evt_b7_x_alert");
    CHECK(out->events[0].figures["spent"] == 9);
}

TEST_CASE("spool: lines that are not whole items are refused") {
    CHECK_FALSE(decode_spool_line(""));
    CHECK_FALSE(decode_spool_line("{\"row\":{\"request_id\":\"a\""));          // torn
    CHECK_FALSE(decode_spool_line("[1,2,3]"));
    CHECK_FALSE(decode_spool_line("{\"row\":{\"cost_nanos\":5}}"));              // a row without its id
    CHECK_FALSE(decode_spool_line("{\"row\":{\"request_id\":\"a\",\"cost_nanos\":\"5\"}}")); // wrong type
    CHECK_FALSE(decode_spool_line("{\"charges\":[[1,2,3]]}")); // charges without a row would be booked twice
    CHECK_FALSE(decode_spool_line("{\"events\":[{\"type\":\"x\"}]}")); // an event without its id
    CHECK(decode_spool_line("{\"events\":[{\"id\":\"e\",\"type\":\"x\"}]}"));
}

TEST_CASE("spool: appended items come back in order, then the file is emptied") {
    Folder folder;
    auto spool = LedgerSpool::create(folder.path, "store-a", "gw1", 1 << 20);
    REQUIRE(spool.has_value());
    CHECK((std::filesystem::status(folder.path).permissions() & std::filesystem::perms::others_all) ==
          std::filesystem::perms::none);
    std::vector<WriterItem> first{item("a", 1), item("b", 2)}, second{item("c", 3)};
    REQUIRE(spool->append(pointers(first)));
    REQUIRE(spool->append(pointers(second)));
    CHECK(spool->rows() == 3);
    auto peeked = spool->peek(2);
    REQUIRE(peeked.has_value());
    REQUIRE(peeked->size() == 2);
    CHECK((*peeked)[0].row->request_id == "a");
    CHECK((*peeked)[1].row->request_id == "b");
    auto again = spool->peek(2); // not consumed: the same items again
    REQUIRE(again->size() == 2);
    CHECK((*again)[0].row->request_id == "a");
    spool->consumed();
    CHECK(spool->rows() == 1);
    CHECK_FALSE(spool->empty());
    auto rest = spool->peek(10);
    REQUIRE(rest->size() == 1);
    CHECK((*rest)[0].row->request_id == "c");
    spool->consumed();
    CHECK(spool->empty());
    CHECK(std::filesystem::file_size(spool->path()) == 0);
}

TEST_CASE("spool: a full spool refuses an append whole, and a torn line is skipped") {
    Folder folder;
    const std::uint64_t line = encode_spool_line(item("a", 1)).size() + 1;
    auto spool = LedgerSpool::create(folder.path, "store-a", "gw1", 3 * line); // room for three items
    REQUIRE(spool.has_value());
    std::vector<WriterItem> one{item("a", 1)};
    REQUIRE(spool->append(pointers(one)));
    auto size = std::filesystem::file_size(spool->path());
    std::vector<WriterItem> many{item("b", 1), item("c", 1), item("d", 1)};
    auto refused = spool->append(pointers(many));
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().message.find("is full") != std::string::npos);
    CHECK(std::filesystem::file_size(spool->path()) == size); // nothing of it went in

    // A crash in the middle of a write leaves half a line at the end.
    { std::ofstream(spool->path(), std::ios::app) << "{\"row\":{\"request_id\":\"tor"; }
    auto adopted = LedgerSpool::adopt_orphans(folder.path, "store-a");
    CHECK(adopted.empty()); // the file is still this spool's (locked)
    std::filesystem::path path = spool->path();
    spool = LedgerSpool::create(folder.path, "store-a", "gw2", 1 << 20); // gw1's lock goes
    adopted = LedgerSpool::adopt_orphans(folder.path, "store-a");
    REQUIRE(adopted.size() == 1);
    CHECK(adopted[0].path() == path);
    CHECK(adopted[0].rows() == 1);
    auto items = adopted[0].peek(100);
    REQUIRE(items->size() == 1);
    CHECK((*items)[0].row->request_id == "a");
    adopted[0].consumed();
    CHECK(adopted[0].skipped() == 1);
    CHECK(adopted[0].empty());
    adopted[0].remove();
    CHECK_FALSE(std::filesystem::exists(path));
}

TEST_CASE("spool: only files of the same store, held by no running gateway, are adopted") {
    Folder folder;
    std::vector<WriterItem> one{item("a", 1)};
    {
        auto left = LedgerSpool::create(folder.path, "store-a", "dead", 1 << 20);
        REQUIRE(left->append(pointers(one)));
    } // its gateway stopped
    auto other_store = LedgerSpool::create(folder.path, "store-b", "dead2", 1 << 20);
    REQUIRE(other_store->append(pointers(one)));
    other_store = LedgerSpool::create(folder.path, "store-b", "live", 1 << 20); // closes dead2
    auto live = LedgerSpool::create(folder.path, "store-a", "live", 1 << 20);
    REQUIRE(live->append(pointers(one)));

    auto adopted = LedgerSpool::adopt_orphans(folder.path, "store-a");
    REQUIRE(adopted.size() == 1);
    CHECK(adopted[0].path().filename().string().ends_with("-dead.spool"));
    CHECK(LedgerSpool::adopt_orphans(folder.path, "store-a").empty()); // now held by the adopter
    CHECK(LedgerSpool::adopt_orphans(folder.path, "store-b").size() == 1);
}
