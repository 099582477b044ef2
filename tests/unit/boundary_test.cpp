// The exception boundary around module callbacks: one module that throws must not keep the
// dispatcher from serving the connection, nor the other modules from being called.
#include "app/dispatcher.hpp"
#include "app/guard.hpp"
#include "app/router.hpp"
#include "fakes.hpp"

#include <catch2/catch.hpp>
#include <stdexcept>

using namespace stagedoor;
using namespace stagedoor::app;
using nlohmann::json;
using stagedoor::testing::FakeScheduler;
using stagedoor::testing::FakeTransport;

namespace {

// Throws from every callback when told to, and counts the calls that reached it.
struct ThrowingModule final : Module {
    bool throws = true;
    int welcomed = 0, disconnected = 0, stopped = 0;
    void register_routes(Router&) override {}
    void on_welcome(const Connection&) override {
        ++welcomed;
        if (throws) throw std::runtime_error("welcome exploded");
    }
    void on_disconnect(const Connection&) override {
        ++disconnected;
        if (throws) throw 7; // not even a std::exception
    }
    void stop() override {
        ++stopped;
        if (throws) throw std::runtime_error("stop exploded");
    }
};

constexpr std::string_view kHello =
    R"({"type":"hello","id":1,"protocol":1,"role":"door","device":"Door 1","key":"door-key"})";

} // namespace

TEST_CASE("guard: run_guarded reports whether the task returned and swallows every exception") {
    int described = 0;
    auto what = [&] {
        ++described;
        return std::string("a test task");
    };
    CHECK(run_guarded(what, [] {}));
    CHECK(described == 0); // the description is built only on failure
    CHECK_FALSE(run_guarded(what, [] { throw std::runtime_error("no"); }));
    CHECK_FALSE(run_guarded("a plain text", [] { throw 42; }));
    CHECK(described == 1);
}

TEST_CASE("dispatcher: modules that throw in on_welcome, on_disconnect or stop do not stop the "
          "others or the connection") {
    FakeTransport transport;
    FakeScheduler scheduler;
    RoleKeys keys;
    keys.keys[static_cast<std::size_t>(Role::door)] = "door-key";
    Dispatcher dispatcher({"0123456789abcdef", "Test", "2026-11-26"}, keys, transport, scheduler,
                          [] { return std::int64_t{1'000'000}; });
    ThrowingModule first, second;
    dispatcher.add_module(&first);
    dispatcher.add_module(&second);

    dispatcher.on_open(1);
    dispatcher.on_text(1, kHello, 0);
    CHECK(transport.sent.at(0).to == 1);
    CHECK(transport.sent.at(0).message["type"] == "welcome");
    CHECK(first.welcomed == 1);
    CHECK(second.welcomed == 1); // called although the first threw

    // The connection is still served.
    dispatcher.on_text(1, R"({"type":"ping","id":2,"t0":5})", 10);
    CHECK(transport.sent.back().message["type"] == "pong");
    CHECK(transport.closed.empty());

    dispatcher.on_close(1);
    CHECK(first.disconnected == 1);
    CHECK(second.disconnected == 1);
    CHECK(dispatcher.clients_by_role()[static_cast<std::size_t>(Role::door)] == 0);

    dispatcher.stop_modules();
    CHECK(first.stopped == 1);
    CHECK(second.stopped == 1);
}
