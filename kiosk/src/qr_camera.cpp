#include "qr_camera.hpp"

#include <cerrno>
#include <cstring>
#include <sys/stat.h>
#include <zbar.h>

namespace stagedoor::kiosk {

using namespace zbar; // zbar.h declares its C API in namespace zbar for C++

namespace {

// zbar's error text on one line: it spans several, indented.
std::string zbar_error(const zbar_processor_t* processor) {
    std::string text;
    for (const char* c = zbar_processor_error_string(processor, 0); *c; ++c) {
        bool space = *c == '\n' || *c == ' ';
        if (!space || (!text.empty() && text.back() != ' ')) text += space ? ' ' : *c;
    }
    while (!text.empty() && text.back() == ' ')
        text.pop_back();
    return text;
}

} // namespace

QrCamera::QrCamera(const std::string& device)
    : device_(device) {
    struct stat info {};
    if (::stat(device.c_str(), &info) != 0)
        throw CameraError("no camera at " + device + " (" + std::strerror(errno) +
                          "); list cameras with `ls /dev/video*`");
    if (!S_ISCHR(info.st_mode))
        throw CameraError(device + " is not a camera device (expected e.g. /dev/video0)");
    processor_ = zbar_processor_create(0);
    if (!processor_) throw CameraError("cannot start the QR decoder (libzbar)");
    zbar_processor_set_config(processor_, ZBAR_NONE, ZBAR_CFG_ENABLE, 0);
    zbar_processor_set_config(processor_, ZBAR_QRCODE, ZBAR_CFG_ENABLE, 1);
    if (zbar_processor_init(processor_, device.c_str(), 0) != 0 ||
        zbar_processor_set_active(processor_, 1) != 0) {
        std::string detail = zbar_error(processor_);
        zbar_processor_destroy(processor_);
        throw CameraError("cannot read video from " + device + ": " + detail);
    }
}

QrCamera::~QrCamera() {
    zbar_processor_set_active(processor_, 0);
    zbar_processor_destroy(processor_);
}

std::optional<std::string> QrCamera::next(std::chrono::milliseconds timeout) {
    int found = zbar_process_one(processor_, static_cast<int>(timeout.count()));
    if (found < 0)
        throw CameraError("the camera " + device_ + " stopped: " + zbar_error(processor_));
    if (found == 0) return std::nullopt;
    const zbar_symbol_set_t* symbols = zbar_processor_get_results(processor_);
    if (!symbols) return std::nullopt;
    std::optional<std::string> text;
    for (const zbar_symbol_t* symbol = zbar_symbol_set_first_symbol(symbols); symbol && !text;
         symbol = zbar_symbol_next(symbol))
        text = std::string(zbar_symbol_get_data(symbol), zbar_symbol_get_data_length(symbol));
    zbar_symbol_set_ref(symbols, -1);
    return text;
}

} // namespace stagedoor::kiosk
