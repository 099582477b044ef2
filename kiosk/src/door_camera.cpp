#include "door_camera.hpp"

#include <map>
#include <mutex>
#include <stdexcept>
#include <utility>
#include <zbar.h>

namespace stagedoor::kiosk {

namespace {
constexpr auto kRepeatGuard = std::chrono::seconds(3);
}

struct Camera::Impl {
    zbar::zbar_processor_t* processor = nullptr;
    std::mutex mutex;
    std::vector<std::string> codes;
    std::map<std::string, std::chrono::steady_clock::time_point> last_seen;

    // Runs on zbar's thread for every decoded image.
    static void on_image(zbar::zbar_image_t* image, const void* userdata) {
        auto* self = static_cast<Impl*>(const_cast<void*>(userdata));
        auto now = std::chrono::steady_clock::now();
        std::lock_guard lock(self->mutex);
        for (auto* symbol = zbar::zbar_image_first_symbol(image); symbol;
             symbol = zbar::zbar_symbol_next(symbol)) {
            std::string code(zbar::zbar_symbol_get_data(symbol),
                             zbar::zbar_symbol_get_data_length(symbol));
            auto seen = self->last_seen.find(code);
            if (seen != self->last_seen.end() && now - seen->second < kRepeatGuard) continue;
            self->last_seen[code] = now;
            self->codes.push_back(std::move(code));
        }
    }
};

Camera::Camera(const std::string& device)
    : impl_(std::make_unique<Impl>()) {
    impl_->processor = zbar::zbar_processor_create(1);
    if (!impl_->processor) throw std::runtime_error("camera: zbar cannot create a processor");
    zbar::zbar_processor_set_data_handler(impl_->processor, &Impl::on_image, impl_.get());
    auto fail = [this, &device] {
        std::string reason = zbar::zbar_processor_error_string(impl_->processor, 0);
        zbar::zbar_processor_destroy(impl_->processor);
        impl_->processor = nullptr;
        throw std::runtime_error("camera " + device + ": " + reason);
    };
    if (zbar::zbar_processor_init(impl_->processor, device.c_str(), 0) != 0) fail();
    if (zbar::zbar_processor_set_active(impl_->processor, 1) != 0) fail();
}

Camera::~Camera() {
    if (impl_->processor) zbar::zbar_processor_destroy(impl_->processor);
}

std::vector<std::string> Camera::take_codes() {
    std::lock_guard lock(impl_->mutex);
    return std::exchange(impl_->codes, {});
}

} // namespace stagedoor::kiosk
