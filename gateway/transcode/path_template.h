// google.api.http path templates: parsing and matching against request
// paths.
//
// The grammar is the one in google/api/http.proto:
//
//   Template = "/" Segments [ Verb ] ;
//   Segments = Segment { "/" Segment } ;
//   Segment  = "*" | "**" | LITERAL | Variable ;
//   Variable = "{" FieldPath [ "=" Segments ] "}" ;
//   FieldPath = IDENT { "." IDENT } ;
//   Verb     = ":" LITERAL ;
//
// with these rules: "**" is the last segment (before the verb) and appears
// at most once; variables do not nest; a field path is bound at most once;
// LITERAL is one or more of [A-Za-z0-9-._~!$&'()+,;@]. "{x}" means
// "{x=*}". "*" matches one non-empty segment, "**" zero or more segments.
//
//   absl::StatusOr<PathTemplate> t = PathTemplate::Parse("/v1/peers/{addr}");
//   t->Matches("/v1/peers/10.0.0.7%3A8000");  // true, without allocating
//   t->Match("/v1/peers/10.0.0.7%3A8000");    // {{"addr", "10.0.0.7:8000"}}
//
// Percent-decoding follows the spec: a single-segment variable decodes every
// %XX (%2F included); a multi-segment variable ("{p=**}", "{p=a/*}") keeps
// %2F and %2f as written. Literal segments are compared after decoding.
//
// Immutable after Parse; thread-safe.
#ifndef DATAMGMT_GATEWAY_TRANSCODE_PATH_TEMPLATE_H_
#define DATAMGMT_GATEWAY_TRANSCODE_PATH_TEMPLATE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace datamgmt::gateway::transcode {

// The value of one path variable.
struct Binding {
  // The variable's field path as written in the template, e.g. "hash" or
  // "book.shelf.name".
  std::string field_path;
  // The matched part of the path, percent-decoded.
  std::string value;

  friend bool operator==(const Binding&, const Binding&) = default;
};

// The variables of one match, in template order.
using Bindings = std::vector<Binding>;

class PathTemplate {
 public:
  // An empty template, which matches no path. Use Parse.
  PathTemplate() = default;

  // Parses `text`. Returns INVALID_ARGUMENT, naming the problem, if it does
  // not follow the grammar above.
  static absl::StatusOr<PathTemplate> Parse(absl::string_view text);

  // The template as written, e.g. "/data/{hash}".
  const std::string& text() const { return text_; }

  // The verb without its ':' ("recordContacts"), or "" if none.
  const std::string& verb() const { return verb_; }

  // The variables' field paths, in template order.
  std::vector<std::string> FieldPaths() const;

  // Whether `path` (the URL path: no query string, no fragment) matches.
  // Allocates nothing.
  bool Matches(absl::string_view path) const;

  // The variable bindings if `path` matches. Returns NOT_FOUND if it does
  // not match, and INVALID_ARGUMENT if the text bound to a variable has a
  // malformed percent-escape ("%" not followed by two hex digits).
  absl::StatusOr<Bindings> Match(absl::string_view path) const;

  // Orders templates by specificity: negative if `a` is more specific than
  // `b`, positive if less, 0 if neither. At the first segment where they
  // differ, a literal beats "*" or a single-segment variable, which beats
  // "**"; a template that has ended beats "**"; with equal segments, a
  // template with a verb beats one without. When two templates both match a
  // path, the more specific is the better match.
  static int CompareSpecificity(const PathTemplate& a, const PathTemplate& b);

  // The template with variable names erased ("/v1/*/books/**:verb"). Two
  // templates with the same shape match exactly the same paths.
  std::string Shape() const;

 private:
  enum class Kind : uint8_t { kLiteral, kSingle, kMulti };
  struct Segment {
    Kind kind;
    std::string literal;  // kLiteral only.
  };
  // A variable covers segments_[first, last).
  struct Variable {
    std::string field_path;
    int first;
    int last;
    bool multi_segment;  // Keeps %2F when decoding.
  };
  friend class TemplateParser;

  // Whether `path` matches; if so and `spans` is not null, (*spans)[i] is
  // the part of `path` matched by segments_[i] (the rest of the path for
  // "**"). `spans` must have segments_.size() elements.
  bool Walk(absl::string_view path, absl::string_view* spans) const;

  std::string text_;
  std::vector<Segment> segments_;
  std::vector<Variable> variables_;
  std::string verb_;
};

}  // namespace datamgmt::gateway::transcode

#endif  // DATAMGMT_GATEWAY_TRANSCODE_PATH_TEMPLATE_H_
