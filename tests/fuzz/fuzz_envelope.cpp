// Fuzz target: a text frame as a client or the server sends it. parse_envelope must never
// crash; an envelope goes through every message type's decoder (not only its own type's, to
// reach every field rule), and what decodes must round-trip (round_trip.hpp). A refusal must
// make a valid error frame.
#include "round_trip.hpp"
#include "stagedoor/protocol/messages_attendance.hpp"
#include "stagedoor/protocol/messages_stage.hpp"

namespace {

using namespace stagedoor::protocol;

template <class... M> struct MessageTypes {
    static void decode_each(const Envelope& envelope) { (decode_one<M>(envelope), ...); }
    template <class One> static void decode_one(const Envelope& envelope) {
        auto message = decode<One>(envelope.object);
        if (message.ok())
            stagedoor::fuzz::check_round_trip(*message);
        else
            stagedoor::fuzz::check_refusal(message.error(), envelope.id);
    }
};

// Every message of protocol v1, both directions.
using AllMessages = MessageTypes<
    // messages.hpp
    Hello, Welcome, Ping, Pong, Ok, ErrorReply,
    // messages_attendance.hpp
    Scan, CheckinManual, WalkIn, Lookup, Undo, ScanResult, WalkInResult, LookupResult, Counts,
    Attendance, CheckedIn, CheckedOut, Undone, WalkInEvent, Rejected, VipArrived,
    // messages_stage.hpp
    TimerControl, AgendaAdd, AgendaUpdate, AgendaRemove, AgendaMove, AgendaSkip, NoShow, SwapNext,
    StageMessageRequest, StageClear, Blackout, SyncReport, TimerMessage, AgendaMessage, StageScreen,
    OnDeck, Displays>;

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::optional<std::int64_t> id;
    auto envelope = parse_envelope(stagedoor::fuzz::as_text(data, size), &id);
    if (!envelope.ok()) {
        stagedoor::fuzz::check_refusal(envelope.error(), id);
        return 0;
    }
    stagedoor::fuzz::check(envelope->id == id, "parse_envelope's id and id_out differ");
    AllMessages::decode_each(*envelope);
    return 0;
}
