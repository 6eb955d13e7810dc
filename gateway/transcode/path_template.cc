#include "gateway/transcode/path_template.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gateway/transcode/internal/percent.h"

namespace datamgmt::gateway::transcode {

namespace {

bool IsLiteralChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
         absl::string_view("-._~!$&'()+,;@").find(c) !=
             absl::string_view::npos;
}

bool IsFieldPathChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' ||
         c == '.';
}

bool IsIdentifier(absl::string_view s) {
  if (s.empty()) return false;
  if (!absl::ascii_isalpha(static_cast<unsigned char>(s[0])) && s[0] != '_') {
    return false;
  }
  return std::all_of(s.begin(), s.end(), [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

}  // namespace

// Recursive-descent parser for the grammar in the header.
class TemplateParser {
 public:
  TemplateParser(absl::string_view text, PathTemplate* out)
      : text_(text), out_(out) {}

  absl::Status Parse() {
    if (text_.empty() || text_[0] != '/') return Error("must start with '/'");
    pos_ = 1;
    if (absl::Status s = ParseSegments(/*in_variable=*/false); !s.ok()) {
      return s;
    }
    if (!AtEnd() && Peek() == ':') {
      ++pos_;
      if (absl::Status s = ParseLiteral(&out_->verb_); !s.ok()) return s;
    }
    if (!AtEnd()) {
      return Error(absl::StrCat("unexpected '", text_.substr(pos_, 1), "'"));
    }
    const auto& segments = out_->segments_;
    for (size_t i = 0; i + 1 < segments.size(); ++i) {
      if (segments[i].kind == PathTemplate::Kind::kMulti) {
        return Error("'**' must be the last segment");
      }
    }
    absl::flat_hash_set<absl::string_view> seen;
    for (const PathTemplate::Variable& v : out_->variables_) {
      if (!seen.insert(v.field_path).second) {
        return Error(absl::StrCat("field \"", v.field_path, "\" bound twice"));
      }
    }
    return absl::OkStatus();
  }

 private:
  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek() const { return text_[pos_]; }

  absl::Status Error(absl::string_view what) const {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid path template \"", text_, "\": ", what, " (at offset ",
        std::min(pos_, text_.size()), ")"));
  }

  absl::Status ParseSegments(bool in_variable) {
    for (;;) {
      if (absl::Status s = ParseSegment(in_variable); !s.ok()) return s;
      if (AtEnd() || Peek() != '/') return absl::OkStatus();
      ++pos_;
    }
  }

  absl::Status ParseSegment(bool in_variable) {
    if (AtEnd()) return Error("empty segment");
    auto& segments = out_->segments_;
    if (Peek() == '{') {
      if (in_variable) return Error("variables cannot nest");
      return ParseVariable();
    }
    if (Peek() == '*') {
      ++pos_;
      PathTemplate::Kind kind = PathTemplate::Kind::kSingle;
      if (!AtEnd() && Peek() == '*') {
        ++pos_;
        kind = PathTemplate::Kind::kMulti;
      }
      if (!AtEnd() && Peek() != '/' && Peek() != ':' && Peek() != '}') {
        return Error("'*' and '**' must be whole segments");
      }
      segments.push_back({kind, ""});
      return absl::OkStatus();
    }
    std::string literal;
    if (absl::Status s = ParseLiteral(&literal); !s.ok()) return s;
    segments.push_back({PathTemplate::Kind::kLiteral, std::move(literal)});
    return absl::OkStatus();
  }

  absl::Status ParseVariable() {
    ++pos_;  // '{'
    const size_t start = pos_;
    while (!AtEnd() && IsFieldPathChar(Peek())) ++pos_;
    const absl::string_view field_path = text_.substr(start, pos_ - start);
    for (absl::string_view part : absl::StrSplit(field_path, '.')) {
      if (!IsIdentifier(part)) {
        return Error(absl::StrCat("bad field path \"", field_path, "\""));
      }
    }
    const int first = static_cast<int>(out_->segments_.size());
    if (!AtEnd() && Peek() == '=') {
      ++pos_;
      if (absl::Status s = ParseSegments(/*in_variable=*/true); !s.ok()) {
        return s;
      }
    } else {
      out_->segments_.push_back({PathTemplate::Kind::kSingle, ""});
    }
    if (AtEnd() || Peek() != '}') return Error("expected '}'");
    ++pos_;
    const int last = static_cast<int>(out_->segments_.size());
    bool multi = last - first > 1;
    for (int i = first; i < last; ++i) {
      multi = multi || out_->segments_[i].kind == PathTemplate::Kind::kMulti;
    }
    out_->variables_.push_back(
        {std::string(field_path), first, last, multi});
    return absl::OkStatus();
  }

  absl::Status ParseLiteral(std::string* out) {
    const size_t start = pos_;
    while (!AtEnd() && IsLiteralChar(Peek())) ++pos_;
    if (pos_ == start) {
      if (AtEnd() || Peek() == '/' || Peek() == '}' || Peek() == ':') {
        return Error("empty segment");
      }
      return Error(absl::StrCat("unexpected '", text_.substr(pos_, 1), "'"));
    }
    *out = std::string(text_.substr(start, pos_ - start));
    return absl::OkStatus();
  }

  const absl::string_view text_;
  PathTemplate* const out_;
  size_t pos_ = 0;
};

absl::StatusOr<PathTemplate> PathTemplate::Parse(absl::string_view text) {
  PathTemplate t;
  t.text_ = std::string(text);
  if (absl::Status s = TemplateParser(text, &t).Parse(); !s.ok()) return s;
  return t;
}

std::vector<std::string> PathTemplate::FieldPaths() const {
  std::vector<std::string> paths;
  paths.reserve(variables_.size());
  for (const Variable& v : variables_) paths.push_back(v.field_path);
  return paths;
}

bool PathTemplate::Walk(absl::string_view path,
                        absl::string_view* spans) const {
  if (path.empty() || path[0] != '/') return false;
  path.remove_prefix(1);
  if (!verb_.empty()) {
    const size_t suffix = verb_.size() + 1;
    if (path.size() < suffix || path[path.size() - suffix] != ':' ||
        path.substr(path.size() - verb_.size()) != verb_) {
      return false;
    }
    path.remove_suffix(suffix);
  }
  // `rest` always points into `path`, so spans can be joined by address.
  absl::string_view rest = path;
  bool consumed = false;  // No segment left (not even an empty one).
  for (size_t i = 0; i < segments_.size(); ++i) {
    const Segment& segment = segments_[i];
    if (segment.kind == Kind::kMulti) {  // Always last.
      if (spans != nullptr) spans[i] = rest;
      return true;
    }
    if (consumed) return false;
    const size_t slash = rest.find('/');
    const absl::string_view current = rest.substr(0, slash);
    if (slash == absl::string_view::npos) {
      rest.remove_prefix(rest.size());
      consumed = true;
    } else {
      rest.remove_prefix(slash + 1);
    }
    if (segment.kind == Kind::kSingle) {
      if (current.empty()) return false;
    } else if (!internal::DecodedEquals(current, segment.literal)) {
      return false;
    }
    if (spans != nullptr) spans[i] = current;
  }
  return consumed;
}

bool PathTemplate::Matches(absl::string_view path) const {
  return Walk(path, nullptr);
}

absl::StatusOr<Bindings> PathTemplate::Match(absl::string_view path) const {
  absl::InlinedVector<absl::string_view, 16> spans(segments_.size());
  if (!Walk(path, spans.data())) {
    return absl::NotFoundError(
        absl::StrCat("path does not match \"", text_, "\""));
  }
  Bindings bindings;
  bindings.reserve(variables_.size());
  for (const Variable& v : variables_) {
    const absl::string_view first = spans[v.first];
    const absl::string_view last = spans[v.last - 1];
    const absl::string_view raw(first.data(),
                                last.data() + last.size() - first.data());
    Binding& b = bindings.emplace_back();
    b.field_path = v.field_path;
    if (!internal::PercentDecode(raw,
                                 v.multi_segment
                                     ? internal::Decoding::kMultiSegment
                                     : internal::Decoding::kSegment,
                                 &b.value)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "malformed percent-encoding in path parameter \"", v.field_path,
          "\""));
    }
  }
  return bindings;
}

int PathTemplate::CompareSpecificity(const PathTemplate& a,
                                     const PathTemplate& b) {
  // Rank of segment i: 0 = the template has ended, then literal, single,
  // multi.
  auto rank = [](const PathTemplate& t, size_t i) {
    return i < t.segments_.size()
               ? 1 + static_cast<int>(t.segments_[i].kind)
               : 0;
  };
  const size_t n = std::max(a.segments_.size(), b.segments_.size());
  for (size_t i = 0; i < n; ++i) {
    const int ra = rank(a, i);
    const int rb = rank(b, i);
    if (ra != rb) return ra < rb ? -1 : 1;
  }
  if (a.verb_.empty() != b.verb_.empty()) return a.verb_.empty() ? 1 : -1;
  return 0;
}

std::string PathTemplate::Shape() const {
  std::string shape;
  for (const Segment& segment : segments_) {
    shape += '/';
    switch (segment.kind) {
      case Kind::kLiteral:
        shape += segment.literal;
        break;
      case Kind::kSingle:
        shape += '*';
        break;
      case Kind::kMulti:
        shape += "**";
        break;
    }
  }
  if (!verb_.empty()) absl::StrAppend(&shape, ":", verb_);
  return shape;
}

}  // namespace datamgmt::gateway::transcode
