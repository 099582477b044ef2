// A display that stops reading must not hold the server back or make it buffer without bound:
// newer agenda and timer state replaces what it has not read yet, the others keep getting
// every update, and when it reads again it gets the latest state.
#include "harness.hpp"

#include <catch2/catch.hpp>
#include <fstream>

using namespace stagedoor::testing;
using nlohmann::json;
using stagedoor::client::ClientContext;

TEST_CASE("slow client: a display that stops reading gets the latest state, not a backlog") {
    TestEvent event;
    // A long agenda makes each agenda push about 40 KB, so a few hundred of them are far more
    // than the kernel's socket buffers hold: the server's own queue has to absorb the rest.
    std::string csv = "id,title,kind,duration\n";
    for (int i = 0; i < 100; ++i)
        csv += "item" + std::to_string(i) + ",Pitch " + std::to_string(i) + " " +
               std::string(150, 'x') + ",pitch,3:00\n";
    auto agenda = event.temp.path / "agenda.csv";
    std::ofstream(agenda) << csv;
    REQUIRE(
        run_cli({"agenda", "import", "--data", event.data.string(), agenda.string()}).exit_code ==
        0);

    ServerProcess server(event.data);
    server.start();
    ClientContext context;
    auto moderator = connect_as(context, server, event, "moderator", "Moderator");
    auto slow = connect_as(context, server, event, "stage", "Stage (slow)");
    auto fast = connect_as(context, server, event, "stage", "Stage (fast)");
    REQUIRE(slow->wait_for("agenda"));
    REQUIRE(fast->wait_for("agenda"));
    slow->pause_reading();

    constexpr int kChanges = 600;
    std::int64_t last_request = 0;
    for (int i = 0; i < kChanges; ++i)
        last_request = moderator->send_request(
            {{"type", "agenda_update"},
             {"item_id", "item99"},
             {"changes", {{"title", "Networking, round " + std::to_string(i)}}}});
    std::string final_title = "Networking, round " + std::to_string(kChanges - 1);
    // Every change was acknowledged (after its commit).
    REQUIRE(eventually(
        [&] {
            auto reply = moderator->wait_for("ok", 50ms);
            while (reply) {
                if ((*reply)["re"] == last_request) return true;
                reply = moderator->wait_for("ok", 1ms);
            }
            return false;
        },
        30s));

    auto has_final_title = [&](const json& agenda_push) {
        const auto& items = agenda_push["items"];
        return !items.empty() && items.back()["title"] == final_title;
    };
    // The display that reads sees the last change promptly.
    bool fast_current = false;
    for (auto frame = fast->wait_for("agenda", 10s); frame; frame = fast->wait_for("agenda", 10s))
        if (has_final_title(*frame)) {
            fast_current = true;
            break;
        }
    CHECK(fast_current);

    // The slow one is still connected and, once it reads again, ends on the latest state after
    // far fewer frames than there were changes.
    CHECK(slow->is_open());
    slow->resume_reading();
    int received = 0;
    bool slow_current = false;
    for (auto frame = slow->wait_for("agenda", 10s); frame; frame = slow->wait_for("agenda", 2s)) {
        ++received;
        if (has_final_title(*frame)) {
            slow_current = true;
            break;
        }
    }
    INFO("agenda frames delivered to the slow display: " << received << " for " << kChanges
                                                         << " changes");
    CHECK(slow_current);
    CHECK(received < kChanges / 2);
    CHECK(slow->is_open());
}
