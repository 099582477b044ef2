// `stagedoor-kiosk door`: wires the door's engine (door_engine), screen and keys (door_ui),
// the camera (door_camera) and the terminal (terminal.hpp) together in one loop.
#include "client/device_state.hpp"
#include "command.hpp"
#include "door_camera.hpp"
#include "door_engine.hpp"
#include "door_store.hpp"
#include "door_ui.hpp"
#include "src/terminal.hpp"

#include <cstdio>
#include <cstdlib>
#include <random>
#include <thread>
#include <unistd.h>

namespace stagedoor::kiosk {

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// The state folder, created 0700 (it holds the device token and the offline roster).
fs::path open_state_dir(const std::optional<std::string>& option) {
    fs::path dir = option ? fs::path(*option) : client::default_state_dir();
    if (!fs::exists(dir)) {
        fs::create_directories(dir);
        fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace);
    }
    return dir;
}

// Connection settings from --url/--key, else from the device paired into DIR/device.json
// (its endpoint carries the pinned certificate or CA for wss).
DoorConfig connection_config(const Options& options, const fs::path& state) {
    DoorConfig config;
    if (auto url = options.get("--url")) {
        config.endpoint = parse_ws_url(*url);
        config.credential = options.require("--key");
        config.device_name = options.get("--device").value_or("Door");
        return config;
    }
    auto device = client::load_device_state(state);
    if (device.role != "door")
        throw std::runtime_error("the device in " + state.string() + " was paired as " +
                                 device.role + ", not as a door");
    config.endpoint = client::device_endpoint(device);
    config.credential = device.token;
    config.device_name = device.name;
    return config;
}

// "<device name as letters and digits>-<4 random hex digits>", made once per state folder so
// that two doors with the same name never share a scan_id.
std::string scan_prefix(DoorStore& store, const std::string& device_name) {
    if (auto stored = store.meta("scan_prefix"); stored && stored->is_string())
        return stored->get<std::string>();
    std::string slug;
    for (char c : device_name)
        if (std::isalnum(static_cast<unsigned char>(c))) slug += static_cast<char>(std::tolower(c));
    if (slug.empty()) slug = "door";
    char suffix[8];
    std::snprintf(suffix, sizeof suffix, "%04x", std::random_device{}() & 0xffff);
    std::string prefix = slug.substr(0, 24) + "-" + suffix;
    store.set_meta("scan_prefix", prefix);
    return prefix;
}

class DoorApp {
  public:
    DoorApp(DoorEngine& engine, Lang lang, std::chrono::seconds hold)
        : engine_(engine)
        , hold_(hold) {
        view_.lang = lang;
    }

    // Runs until `q`, SIGINT or SIGTERM.
    void run(Camera* camera) {
        term::RawMode raw(STDIN_FILENO, STDOUT_FILENO);
        term::Screen screen(STDOUT_FILENO);
        bool input_closed = false;
        while (!quit_ && !term::RawMode::stop_requested()) {
            std::string bytes;
            if (!input_closed)
                bytes = term::read_available(STDIN_FILENO, 30, input_closed);
            else
                std::this_thread::sleep_for(std::chrono::milliseconds(30)); // camera only
            auto now = InputSplitter::Clock::now();
            for (auto& event : splitter_.feed(bytes, now))
                on_input(event);
            for (auto& event : splitter_.tick(now))
                on_input(event);
            if (camera)
                for (auto& code : camera->take_codes())
                    on_input({InputEvent::Kind::scan, code});
            engine_.poll();
            int bells = 0;
            for (auto& event : engine_.take_events())
                bells += on_engine_event(std::move(event));
            if (view_.verdict && hold_.count() > 0 && now - shown_at_ > hold_)
                view_.verdict.reset();
            if (term::RawMode::take_resized()) screen.invalidate();
            screen.show(render_door(view_, engine_.status(), term::terminal_size(STDOUT_FILENO)));
            if (bells > 0) {
                std::string ring(static_cast<std::size_t>(bells), '\a');
                [[maybe_unused]] auto written = ::write(STDOUT_FILENO, ring.data(), ring.size());
            }
        }
    }

  private:
    void on_input(const InputEvent& event) {
        if (event.kind == InputEvent::Kind::scan) {
            leave_search();
            view_.verdict.reset();
            engine_.scan(event.text, view_.direction);
            return;
        }
        char key = event.text.empty() ? '\0' : event.text[0];
        switch (view_.mode) {
        case DoorView::Mode::search_typing:
            return on_search_key(key);
        case DoorView::Mode::search_results:
            if (key >= '1' && key <= '9') {
                auto index = static_cast<std::size_t>(key - '1');
                if (index < view_.results.size()) {
                    auto id = view_.results[index].value("id", 0u);
                    leave_search();
                    engine_.check_in_manually(id, view_.direction);
                }
                return;
            }
            if (key == '\x1b') return leave_search();
            break;
        case DoorView::Mode::verdict:
            break;
        }
        on_command_key(key);
    }

    void on_command_key(char key) {
        switch (key) {
        case 'e':
        case 'E':
            view_.direction = "in";
            break;
        case 'x':
        case 'X':
            view_.direction = "out";
            break;
        case 'u':
        case 'U':
            engine_.undo_last();
            break;
        case 'q':
        case 'Q':
            quit_ = true;
            break;
        case '/':
            view_.mode = DoorView::Mode::search_typing;
            view_.query.clear();
            splitter_.set_text_mode(true);
            break;
        default:
            break;
        }
    }

    void on_search_key(char key) {
        if (key == '\x1b') return leave_search();
        if (key == '\r') {
            if (view_.query.empty()) return;
            splitter_.set_text_mode(false);
            view_.mode = DoorView::Mode::search_results;
            view_.results.clear();
            engine_.search(view_.query);
        } else if (key == '\x7f' || key == '\b') {
            while (!view_.query.empty() && (view_.query.back() & 0xC0) == 0x80)
                view_.query.pop_back();
            if (!view_.query.empty()) view_.query.pop_back();
        } else if (static_cast<unsigned char>(key) >= 0x20 && view_.query.size() < 100) {
            view_.query += key;
        }
    }

    void leave_search() {
        view_.mode = DoorView::Mode::verdict;
        splitter_.set_text_mode(false);
    }

    // Returns the bells to ring.
    int on_engine_event(DoorEvent event) {
        switch (event.kind) {
        case DoorEvent::Kind::verdict: {
            int bells = verdict_bells(event.verdict);
            view_.verdict = std::move(event.verdict);
            view_.notice.clear();
            shown_at_ = InputSplitter::Clock::now();
            return bells;
        }
        case DoorEvent::Kind::search_results:
            view_.results = std::move(event.results);
            view_.results_offline = event.results_offline;
            return 0;
        case DoorEvent::Kind::notice:
            view_.notice = std::string(door_text(view_.lang, "notice_" + event.notice));
            if (!event.detail.empty()) view_.notice += ": " + event.detail;
            return 0;
        }
        return 0;
    }

    DoorEngine& engine_;
    std::chrono::seconds hold_;
    DoorView view_;
    InputSplitter splitter_;
    InputSplitter::Clock::time_point shown_at_{};
    bool quit_ = false;
};

} // namespace

int run_door(const std::vector<std::string>& args) {
    Options options(
        args, {"--state", "--url", "--key", "--device", "--camera", "--lang", "--hold-seconds"});
    auto lang_option = options.get("--lang");
    if (lang_option && *lang_option != "de" && *lang_option != "en")
        throw UsageError("--lang must be de or en");
    auto hold = std::chrono::seconds(options.integer("--hold-seconds", 8, 0, 86400));
    fs::path state = open_state_dir(options.get("--state"));
    DoorConfig config = connection_config(options, state);
    // The camera first: a wrong device is reported before the screen is taken over.
    std::unique_ptr<Camera> camera;
    if (auto device = options.get("--camera")) camera = std::make_unique<Camera>(*device);
    DoorStore store(state / "door.sqlite");
    config.scan_prefix = scan_prefix(store, config.device_name);
    DoorEngine engine(std::move(config), store);
    DoorApp(engine, door_lang(lang_option), hold).run(camera.get());
    return 0;
}

} // namespace stagedoor::kiosk
