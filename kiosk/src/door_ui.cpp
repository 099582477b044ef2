#include "door_ui.hpp"

#include "door_engine.hpp"

#include <cstdlib>
#include <ctime>
#include <map>

namespace stagedoor::kiosk {

using nlohmann::json;
namespace colour = term::colour;

namespace {

struct Texts {
    std::string_view en, de;
};

const std::map<std::string_view, Texts>& texts() {
    static const std::map<std::string_view, Texts> table{
        {"title_ok_in", {"Welcome", "Willkommen"}},
        {"title_ok_out", {"Goodbye", "Auf Wiedersehen"}},
        {"title_already_in", {"Already checked in", "Bereits eingecheckt"}},
        {"title_not_in", {"Not checked in", "Nicht eingecheckt"}},
        {"title_unknown_badge", {"Not on the guest list", "Nicht auf der Gästeliste"}},
        {"title_bad_signature", {"Invalid badge", "Ungültiger Ausweis"}},
        {"title_revoked", {"Badge replaced", "Ausweis ersetzt"}},
        {"title_blocked", {"Admission blocked", "Einlass gesperrt"}},
        {"title_wrong_event", {"Badge for another event", "Ausweis einer anderen Veranstaltung"}},
        {"title_malformed", {"Not a badge", "Kein Ausweis"}},
        {"reason_already_in", {"Checked in at", "Eingecheckt um"}},
        {"reason_not_in",
         {"Leaving without having checked in: nothing changed",
          "Ausgang ohne Einlass: nichts geändert"}},
        {"reason_help_desk", {"Please go to the help desk", "Bitte zum Empfang gehen"}},
        {"reason_revoked", {"Please use your new badge", "Bitte den neuen Ausweis verwenden"}},
        {"reason_wrong_event",
         {"This badge is for a different event",
          "Dieser Ausweis gilt für eine andere Veranstaltung"}},
        {"reason_malformed", {"Please try again", "Bitte erneut scannen"}},
        {"offline_marker", {"offline: decided at this door", "offline: an dieser Tür entschieden"}},
        {"ready", {"Ready: please scan your badge", "Bereit: bitte Ausweis scannen"}},
        {"checking", {"Checking...", "Prüfe..."}},
        {"entry", {"ENTRY", "EINGANG"}},
        {"exit", {"EXIT", "AUSGANG"}},
        {"online", {"Online", "Online"}},
        {"offline", {"Offline", "Offline"}},
        {"connecting", {"Connecting", "Verbinde"}},
        {"queued", {"queued", "in Warteschlange"}},
        {"arrived", {"Arrived", "Angekommen"}},
        {"expected", {"expected", "erwartet"}},
        {"help",
         {"[e] entry  [x] exit  [/] search  [u] undo  [q] quit",
          "[e] Eingang  [x] Ausgang  [/] Suche  [u] Rückgängig  [q] Beenden"}},
        {"search_prompt", {"Search name:", "Name suchen:"}},
        {"search_help", {"[Enter] search  [Esc] back", "[Enter] suchen  [Esc] zurück"}},
        {"results_help",
         {"[1-9] check in  [/] new search  [Esc] back",
          "[1-9] einchecken  [/] neue Suche  [Esc] zurück"}},
        {"no_results", {"No one found", "Niemand gefunden"}},
        {"inside", {"inside", "anwesend"}},
        {"name_hidden", {"name hidden", "Name verborgen"}},
        {"offline_results", {"from this door's offline list", "aus der Offline-Liste dieser Tür"}},
        {"notice_online", {"Connected to the server", "Mit dem Server verbunden"}},
        {"notice_offline",
         {"Server not answering: working offline", "Server antwortet nicht: Offline-Betrieb"}},
        {"notice_connect_failed", {"Cannot connect", "Keine Verbindung"}},
        {"notice_server_error", {"Server error", "Serverfehler"}},
        {"notice_sync_refused",
         {"The server refused a queued scan; it stays queued",
          "Der Server lehnte einen Scan ab; er bleibt gespeichert"}},
        {"notice_no_offline_roster",
         {"The server sends no offline list", "Der Server liefert keine Offline-Liste"}},
        {"notice_undone", {"Last scan undone", "Letzter Scan rückgängig gemacht"}},
        {"notice_undo_failed", {"Undo failed", "Rückgängig nicht möglich"}},
        {"notice_nothing_to_undo", {"Nothing to undo", "Nichts rückgängig zu machen"}},
        {"notice_undo_later",
         {"Still uploading; try undo again in a moment",
          "Wird gerade hochgeladen; gleich noch einmal versuchen"}},
        {"notice_undo_needs_server",
         {"Undo needs the server (the scan was uploaded already)",
          "Rückgängig braucht den Server (Scan schon hochgeladen)"}},
        {"notice_search_names_off",
         {"Names are not stored on this door: search needs the server",
          "Namen sind auf dieser Tür nicht gespeichert: Suche nur online"}},
        {"cat_member", {"Member", "Mitglied"}},
        {"cat_guest", {"Guest", "Gast"}},
        {"cat_new_member", {"New member", "Neumitglied"}},
        {"cat_speaker", {"Speaker", "Vortragende"}},
        {"cat_staff", {"Staff", "Team"}},
        {"cat_press", {"Press", "Presse"}},
    };
    return table;
}

std::string text_field(const json& object, const char* key) {
    if (!object.is_object()) return {};
    auto it = object.find(key);
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool is_refusal(const std::string& result) {
    return result == "unknown_badge" || result == "bad_signature" || result == "revoked" ||
           result == "wrong_event" || result == "malformed";
}

bool is_blocked(const Verdict& verdict) {
    return verdict.result == "revoked" &&
           verdict.reason.find("lock") != std::string::npos; // "blocked", "Admission blocked"
}

std::string clock_text(const json& unix_ms) {
    if (!unix_ms.is_number_integer()) return "--:--";
    std::time_t seconds = static_cast<std::time_t>(unix_ms.get<std::int64_t>() / 1000);
    std::tm local{};
    localtime_r(&seconds, &local);
    char out[8];
    std::strftime(out, sizeof out, "%H:%M", &local);
    return out;
}

std::string title_key(const Verdict& verdict) {
    if (verdict.result == "ok") return verdict.direction == "out" ? "title_ok_out" : "title_ok_in";
    if (is_blocked(verdict)) return "title_blocked";
    return "title_" + verdict.result;
}

std::string reason_text(Lang lang, const Verdict& verdict) {
    const std::string& result = verdict.result;
    if (result == "already_in") {
        std::string text = std::string(door_text(lang, "reason_already_in")) + " " +
                           clock_text(verdict.first_entry.value("at", json()));
        std::string device = text_field(verdict.first_entry, "device");
        return device.empty() ? text : text + ", " + device;
    }
    if (result == "not_in") return std::string(door_text(lang, "reason_not_in"));
    if (result == "revoked")
        return std::string(
            door_text(lang, is_blocked(verdict) ? "reason_help_desk" : "reason_revoked"));
    if (result == "unknown_badge" || result == "bad_signature")
        return std::string(door_text(lang, "reason_help_desk"));
    if (result == "wrong_event") return std::string(door_text(lang, "reason_wrong_event"));
    if (result == "malformed") return std::string(door_text(lang, "reason_malformed"));
    return {};
}

// The person's line: name, or category and "name hidden" when names stay off the door.
std::string person_line(Lang lang, const json& attendee, bool name_hidden) {
    std::string name = text_field(attendee, "name");
    if (!name_hidden && !name.empty()) return name;
    std::string category = text_field(attendee, "category");
    return std::string(door_text(lang, "cat_" + category)) + " (" +
           std::string(door_text(lang, "name_hidden")) + ")";
}

void render_status_bar(term::Frame& frame, const DoorView& view, const DoorStatus& status) {
    const Lang lang = view.lang;
    term::Style bar{colour::kBrightWhite, colour::kDarkGrey, false};
    frame.fill_row(0, bar);
    frame.put(0, 1, status.event_name, bar);
    if (status.counts.is_object()) {
        std::string counts = std::string(door_text(lang, "arrived")) + " " +
                             std::to_string(status.counts.value("arrived", 0)) + " / " +
                             std::to_string(status.counts.value("expected", 0)) + " " +
                             std::string(door_text(lang, "expected"));
        frame.put_centred(0, counts, bar);
    }
    std::string link = status.online      ? std::string(door_text(lang, "online"))
                       : status.connected ? std::string(door_text(lang, "offline"))
                                          : std::string(door_text(lang, "offline"));
    if (status.queued > 0)
        link +=
            " · " + std::to_string(status.queued) + " " + std::string(door_text(lang, "queued"));
    std::string direction =
        std::string(door_text(lang, view.direction == "out" ? "exit" : "entry"));
    std::string right = link + "  " + direction + " ";
    int col = frame.size().cols - term::text_width(right);
    col = frame.put(
        0, col, link + "  ",
        {status.online ? colour::kBrightGreen : colour::kBrightYellow, colour::kDarkGrey, true});
    frame.put(0, col, direction + " ", {colour::kBrightWhite, colour::kDarkGrey, true});
}

void render_verdict(term::Frame& frame, const DoorView& view, const DoorStatus& status, int top,
                    int bottom) {
    const Lang lang = view.lang;
    std::vector<std::pair<std::string, bool>> lines; // text, bold
    term::Style style;
    if (!view.verdict) {
        lines.emplace_back(std::string(door_text(lang, status.waiting ? "checking" : "ready")),
                           true);
    } else {
        const Verdict& verdict = *view.verdict;
        style = verdict_style(verdict);
        lines.emplace_back(std::string(door_text(lang, title_key(verdict))), true);
        lines.emplace_back("", false);
        if (verdict.attendee.is_object()) {
            lines.emplace_back(person_line(lang, verdict.attendee, verdict.name_hidden), true);
            std::string organisation = text_field(verdict.attendee, "organisation");
            if (!organisation.empty() && !verdict.name_hidden)
                lines.emplace_back(organisation, false);
        }
        if (std::string reason = reason_text(lang, verdict); !reason.empty()) {
            lines.emplace_back("", false);
            lines.emplace_back(reason, false);
        }
        if (verdict.offline) {
            lines.emplace_back("", false);
            lines.emplace_back(std::string(door_text(lang, "offline_marker")), false);
        }
    }
    for (int row = top; row <= bottom; ++row)
        frame.fill_row(row, style);
    int first = top + std::max(0, (bottom - top + 1 - static_cast<int>(lines.size())) / 2);
    for (std::size_t i = 0; i < lines.size() && first + static_cast<int>(i) <= bottom; ++i)
        frame.put_centred(first + static_cast<int>(i), lines[i].first,
                          {style.fg, style.bg, lines[i].second});
}

void render_search(term::Frame& frame, const DoorView& view, int top, int bottom) {
    const Lang lang = view.lang;
    int row = top + 1;
    frame.put(row++, 2,
              std::string(door_text(lang, "search_prompt")) + " " + view.query +
                  (view.mode == DoorView::Mode::search_typing ? "_" : ""),
              {colour::kDefault, colour::kDefault, true});
    if (view.mode == DoorView::Mode::search_typing) return;
    if (view.results_offline) frame.put(row, 2, std::string(door_text(lang, "offline_results")));
    row += 2;
    if (view.results.empty()) frame.put(row, 2, std::string(door_text(lang, "no_results")));
    for (std::size_t i = 0; i < view.results.size() && row <= bottom; ++i, ++row) {
        const json& person = view.results[i];
        std::string line = std::to_string(i + 1) + "  " + text_field(person, "name");
        if (std::string organisation = text_field(person, "organisation"); !organisation.empty())
            line += " · " + organisation;
        if (person.value("present", false))
            line += "  (" + std::string(door_text(lang, "inside")) + ")";
        frame.put(row, 2, line);
    }
}

} // namespace

Lang door_lang(std::optional<std::string> option) {
    if (!option)
        for (const char* name : {"LC_ALL", "LC_MESSAGES", "LANG"})
            if (const char* value = std::getenv(name); value && *value) {
                option = value;
                break;
            }
    return option && option->starts_with("de") ? Lang::de : Lang::en;
}

std::string_view door_text(Lang lang, std::string_view key) {
    auto it = texts().find(key);
    if (it == texts().end()) return key;
    return lang == Lang::de ? it->second.de : it->second.en;
}

term::Style verdict_style(const Verdict& verdict) {
    const std::string& result = verdict.result;
    if (result == "ok" && verdict.direction == "out")
        return {colour::kBrightWhite, colour::kBlue, false};
    if (result == "ok") return {colour::kBlack, colour::kGreen, false};
    if (result == "already_in" || result == "not_in")
        return {colour::kBlack, colour::kOrange, false};
    if (result == "malformed") return {colour::kBrightWhite, colour::kGrey, false};
    return {colour::kBrightWhite, colour::kRed, false};
}

int verdict_bells(const Verdict& verdict) {
    if (verdict.result == "ok") return 1;
    return is_refusal(verdict.result) ? 2 : 0;
}

term::Frame render_door(const DoorView& view, const DoorStatus& status, term::Size size) {
    term::Frame frame(size);
    const int bottom = size.rows - 3;
    render_status_bar(frame, view, status);
    if (view.mode == DoorView::Mode::verdict)
        render_verdict(frame, view, status, 1, bottom);
    else
        render_search(frame, view, 1, bottom);
    frame.put(size.rows - 2, 1, view.notice, {colour::kBrightYellow, colour::kDefault, false});
    std::string_view help = view.mode == DoorView::Mode::verdict         ? "help"
                            : view.mode == DoorView::Mode::search_typing ? "search_help"
                                                                         : "results_help";
    frame.put(size.rows - 1, 1, std::string(door_text(view.lang, help)),
              {colour::kGrey, colour::kDefault, false});
    return frame;
}

// ---- input ----

std::vector<InputEvent> InputSplitter::feed(std::string_view bytes, Clock::time_point now) {
    std::vector<InputEvent> events;
    for (char byte : bytes) {
        if (text_mode_) {
            events.push_back({InputEvent::Kind::key, std::string(1, byte == '\n' ? '\r' : byte)});
            continue;
        }
        for (auto& event : tick(now)) // what the silence before this byte completed
            events.push_back(std::move(event));
        last_byte_ = now;
        if (byte == '\r' || byte == '\n') {
            if (line_.size() >= kMinScanLength)
                events.push_back({InputEvent::Kind::scan, line_});
            else if (line_.size() == 1)
                events.push_back({InputEvent::Kind::key, line_}); // a key typed with Enter
            line_.clear();
            continue;
        }
        line_ += byte;
    }
    return events;
}

std::vector<InputEvent> InputSplitter::tick(Clock::time_point now) {
    std::vector<InputEvent> events;
    if (line_.size() == 1 && now - last_byte_ >= kKeyGap) {
        events.push_back({InputEvent::Kind::key, line_});
        line_.clear();
    } else if (line_.size() > 1 && now - last_byte_ >= kStaleLine) {
        line_.clear(); // an escape sequence or an unfinished read
    }
    return events;
}

} // namespace stagedoor::kiosk
