// Badge codes from a V4L2 camera, decoded by libzbar's processor (its own capture thread).
// Holding a badge in front of the camera yields its code once: zbar's symbol cache, plus a
// 3-second guard here against the same code read again.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace stagedoor::kiosk {

class Camera {
  public:
    // Opens the device (e.g. /dev/video0) and starts decoding; throws std::runtime_error with
    // zbar's reason when the device cannot be opened or is not a camera.
    explicit Camera(const std::string& device);
    ~Camera();
    Camera(const Camera&) = delete;
    Camera& operator=(const Camera&) = delete;

    // The codes decoded since the last call, oldest first.
    std::vector<std::string> take_codes();

    struct Impl;

  private:
    std::unique_ptr<Impl> impl_;
};

} // namespace stagedoor::kiosk
