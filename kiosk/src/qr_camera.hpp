// QR codes from a V4L2 camera through libzbar's processor API (no window). Not exercised by CI,
// which has no camera; its error paths (no such device, not a camera) are tested.
#pragma once

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>

namespace zbar {
struct zbar_processor_s;
}

namespace stagedoor::kiosk {

class CameraError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

class QrCamera {
  public:
    // Opens device (e.g. /dev/video0) and starts the stream; throws CameraError naming the
    // device when it does not exist or is not a camera zbar can read.
    explicit QrCamera(const std::string& device);
    ~QrCamera();
    QrCamera(const QrCamera&) = delete;
    QrCamera& operator=(const QrCamera&) = delete;

    // The text of the next QR code seen within timeout, or nullopt. Throws CameraError when the
    // stream fails.
    std::optional<std::string> next(std::chrono::milliseconds timeout);

  private:
    std::string device_;
    zbar::zbar_processor_s* processor_ = nullptr;
};

} // namespace stagedoor::kiosk
