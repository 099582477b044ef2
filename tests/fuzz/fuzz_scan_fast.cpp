// Fuzz target: the check-in hot path. decode_scan_fast must accept only what the general path
// (parse_envelope + decode<Scan>) accepts, with the same values; a scan that decodes must
// round-trip (round_trip.hpp).
#include "round_trip.hpp"
#include "stagedoor/protocol/messages_attendance.hpp"

using namespace stagedoor::protocol;
using stagedoor::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text = stagedoor::fuzz::as_text(data, size);
    std::optional<Scan> fast = decode_scan_fast(text);
    auto envelope = parse_envelope(text);
    if (!envelope.ok()) {
        check(!fast, "decode_scan_fast accepts a frame parse_envelope refuses");
        return 0;
    }
    auto general = decode<Scan>(envelope->object);
    if (!fast) {
        if (general.ok()) stagedoor::fuzz::check_round_trip(*general);
        return 0;
    }
    check(envelope->type == Scan::type, "decode_scan_fast accepts another type");
    check(general.ok(), "decode_scan_fast accepts a scan decode<Scan> refuses");
    check(*general == *fast, "decode_scan_fast and decode<Scan> read different values");
    stagedoor::fuzz::check_round_trip(*fast);
    return 0;
}
