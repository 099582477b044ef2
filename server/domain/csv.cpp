#include "domain/csv.hpp"

namespace stagedoor::domain {

namespace {

// Splits text into records, one at a time.
class Splitter {
  public:
    Splitter(std::string_view text, char delimiter)
        : text_(text)
        , delimiter_(delimiter) {}

    bool done() const { return pos_ >= text_.size(); }

    CsvRecord next() {
        CsvRecord record;
        record.line = line_;
        std::string field;
        bool quoted = false;
        while (true) {
            if (pos_ >= text_.size()) {
                finish_field(record, field, quoted);
                return record;
            }
            char c = text_[pos_];
            // A quote opens a quoted field only at its start (spaces before it are ignored).
            if (c == '"' && !quoted && field.find_first_not_of(" \t") == std::string::npos) {
                quoted = true;
                field.clear();
                if (!read_quoted(record, field)) {
                    skip_to_line_end();
                    return record;
                }
                while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t') &&
                       delimiter_ != text_[pos_])
                    ++pos_;
                // After the closing quote: a delimiter, a line end or the end of the text.
                if (pos_ < text_.size() && text_[pos_] != delimiter_ && text_[pos_] != '\n' &&
                    text_[pos_] != '\r') {
                    record.error = "unexpected text after a closing quote";
                    skip_to_line_end();
                    return record;
                }
                continue;
            }
            if (c == '"') {
                record.error = "a quote inside an unquoted field (quote the whole field and "
                               "double the quote: \"\")";
                skip_to_line_end();
                return record;
            }
            if (c == delimiter_) {
                finish_field(record, field, quoted);
                field.clear();
                quoted = false;
                ++pos_;
                continue;
            }
            if (c == '\r' || c == '\n') {
                consume_line_break();
                finish_field(record, field, quoted);
                return record;
            }
            field += c;
            ++pos_;
        }
    }

  private:
    void finish_field(CsvRecord& record, const std::string& field, bool quoted) {
        record.fields.push_back(quoted ? field : trim_csv_blanks(field));
        record.quoted.push_back(quoted);
    }
    void consume_line_break() {
        if (text_[pos_] == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n') ++pos_;
        ++pos_;
        ++line_;
    }
    // pos_ at the opening quote; leaves pos_ after the closing quote.
    bool read_quoted(CsvRecord& record, std::string& field) {
        std::size_t start_line = line_;
        ++pos_;
        while (pos_ < text_.size()) {
            char c = text_[pos_];
            if (c == '"') {
                if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '"') {
                    field += '"';
                    pos_ += 2;
                    continue;
                }
                ++pos_;
                return true;
            }
            if (c == '\r' || c == '\n') {
                // Embedded line breaks are kept as \n, whatever the file uses.
                consume_line_break();
                field += '\n';
                continue;
            }
            field += c;
            ++pos_;
        }
        record.error =
            "a quoted field opened on line " + std::to_string(start_line) + " is never closed";
        return false;
    }
    void skip_to_line_end() {
        while (pos_ < text_.size() && text_[pos_] != '\r' && text_[pos_] != '\n')
            ++pos_;
        if (pos_ < text_.size()) consume_line_break();
    }

    std::string_view text_;
    char delimiter_;
    std::size_t pos_ = 0;
    std::size_t line_ = 1;
};

} // namespace

std::string trim_csv_blanks(std::string_view text) {
    auto begin = text.find_first_not_of(" \t");
    if (begin == std::string_view::npos) return {};
    auto end = text.find_last_not_of(" \t");
    return std::string(text.substr(begin, end - begin + 1));
}

std::string_view strip_utf8_bom(std::string_view text) {
    if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
    return text;
}

char detect_csv_delimiter(std::string_view text) {
    std::size_t commas = 0, semicolons = 0, tabs = 0;
    bool in_quotes = false;
    for (char c : text) {
        if (c == '"') in_quotes = !in_quotes;
        if (in_quotes) continue;
        if (c == '\n' || c == '\r') break;
        if (c == ',') ++commas;
        if (c == ';') ++semicolons;
        if (c == '\t') ++tabs;
    }
    if (semicolons > commas && semicolons >= tabs) return ';';
    if (tabs > commas && tabs > semicolons) return '\t';
    return ',';
}

std::vector<CsvRecord> read_csv_records(std::string_view text, char delimiter) {
    std::vector<CsvRecord> records;
    Splitter splitter(text, delimiter);
    while (!splitter.done())
        records.push_back(splitter.next());
    return records;
}

std::string csv_field(std::string_view value, CsvQuoting quoting) {
    std::string text(value);
    if (quoting.neutralise_formulas && !text.empty() &&
        std::string_view("=+-@\t\r").find(text.front()) != std::string_view::npos)
        text.insert(text.begin(), '\'');
    bool quote =
        text.find_first_of(quoting.quote_semicolons ? ",;\"\r\n" : ",\"\r\n") !=
            std::string::npos ||
        (quoting.quote_edge_spaces && !text.empty() && (text.front() == ' ' || text.back() == ' '));
    if (!quote) return text;
    std::string out = "\"";
    for (char c : text) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

} // namespace stagedoor::domain
