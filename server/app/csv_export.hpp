// CSV downloads over HTTP: the separator a request asks for and the response around the text,
// the same for every export (attendance, ledger, stage report).
#pragma once

#include "app/module.hpp"
#include "domain/csv.hpp"

#include <string>
#include <variant>

namespace stagedoor::app {

// The separator of ?sep=: absent or "comma" -> ',', "semicolon" -> ';' (for German Excel).
// Anything else is the error response to send (400 bad_message, naming the values allowed).
std::variant<domain::CsvSeparator, HttpResponse> csv_separator(const HttpRequest& request);

// body as a download named filename, never cached. The ';' variant always starts with a UTF-8
// byte order mark: without one Excel reads the umlauts as Windows-1252. with_bom adds it to a
// ',' file as well.
HttpResponse csv_response(std::string body, std::string filename, domain::CsvSeparator separator,
                          bool with_bom);

// The export for the request: text(separator) as a download, or the ?sep= error.
template <class MakeText>
HttpResponse csv_export(const HttpRequest& request, std::string filename, bool with_bom,
                        MakeText text) {
    auto separator = csv_separator(request);
    if (auto* error = std::get_if<HttpResponse>(&separator)) return std::move(*error);
    auto chosen = std::get<domain::CsvSeparator>(separator);
    return csv_response(text(chosen), std::move(filename), chosen, with_bom);
}

} // namespace stagedoor::app
