#include "app/csv_export.hpp"

namespace stagedoor::app {

std::variant<domain::CsvSeparator, HttpResponse> csv_separator(const HttpRequest& request) {
    auto sep = request.query.find("sep");
    if (sep == request.query.end() || sep->second == "comma") return domain::CsvSeparator::comma;
    if (sep->second == "semicolon") return domain::CsvSeparator::semicolon;
    return json_error_response(400, protocol::ErrorCode::bad_message,
                               "sep must be comma or semicolon");
}

HttpResponse csv_response(std::string body, std::string filename, domain::CsvSeparator separator,
                          bool with_bom) {
    HttpResponse response;
    response.content_type = "text/csv; charset=utf-8";
    response.body = with_bom || separator == domain::CsvSeparator::semicolon
                        ? "\xEF\xBB\xBF" + std::move(body)
                        : std::move(body);
    response.headers["Content-Disposition"] = "attachment; filename=\"" + filename + "\"";
    response.headers["Cache-Control"] = "no-store";
    return response;
}

} // namespace stagedoor::app
