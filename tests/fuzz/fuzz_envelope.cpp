// Fuzz target: a text frame as a client or the server sends it. parse_envelope must never
// crash; an envelope goes through every message type's decoder (not only its own type's, to
// reach every field rule), and what decodes must round-trip (round_trip.hpp). A refusal must
// make a valid error frame.
#include "round_trip.hpp"
#include "stagedoor/protocol/messages_attendance.hpp"
#include "stagedoor/protocol/messages_offline.hpp"
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
    Attendance, CheckedIn, CheckedOut, Undone, WalkInEvent, Rejected, VipArrived, OfflineConflict,
    // messages_stage.hpp
    TimerControl, AgendaAdd, AgendaUpdate, AgendaRemove, AgendaMove, AgendaSkip, NoShow, SwapNext,
    UndoNext, StageMessageRequest, StageClear, Blackout, SyncReport, TimerMessage, AgendaMessage,
    StageScreen, OnDeck, Displays,
    // messages_offline.hpp
    OfflineRoster, QueueReport, OfflineRosterPage, OfflineUpdate>;

} // namespace

// The dispatcher's look at a frame before it is parsed stays inside its first bytes, and what
// it finds is part of them.
static void check_peek(std::string_view text) {
    auto peek = stagedoor::protocol::peek_envelope(text);
    std::string_view head = text.substr(0, stagedoor::protocol::EnvelopePeek::kPeekBytes);
    if (peek.type)
        stagedoor::fuzz::check(peek.type->data() >= head.data() &&
                                   peek.type->data() + peek.type->size() <=
                                       head.data() + head.size(),
                               "peek_envelope's type is not inside the peeked bytes");
    if (peek.id) stagedoor::fuzz::check(*peek.id >= 0, "peek_envelope found a negative id");
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    check_peek(stagedoor::fuzz::as_text(data, size));
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
