package nsjailcfg

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/gokafel/gokafel/internal/suggest"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// File is a parsed configuration file: the message and what is needed to
// point at its text.
type File struct {
	Name string // as given, for diagnostics
	Src  []byte
	Msg  *NsJailConfig
	JSON bool
	tree *node
}

// LoadFile reads and parses the configuration file at path. A file whose
// name ends in .json, or whose first character is '{', is JSON; anything
// else is the protobuf text format.
func LoadFile(path string) (*File, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, src)
}

// Parse parses src, the content of the file called name.
func Parse(name string, src []byte) (*File, error) {
	f := &File{Name: name, Src: src, Msg: &NsJailConfig{}}
	trimmed := bytes.TrimLeft(src, " \t\r\n")
	f.JSON = strings.EqualFold(filepath.Ext(name), ".json") || len(trimmed) > 0 && trimmed[0] == '{'
	var err error
	if f.JSON {
		err = protojson.UnmarshalOptions{}.Unmarshal(src, f.Msg)
	} else {
		err = prototext.UnmarshalOptions{}.Unmarshal(src, f.Msg)
	}
	if err != nil {
		return nil, f.decodeError(err)
	}
	f.index()
	var diags diagList
	f.checkRequired(&diags)
	if err := diags.err(); err != nil {
		return nil, err
	}
	return f, nil
}

func (f *File) index() {
	if f.tree == nil {
		f.tree = scanFields(f.Src)
	}
}

// The patterns that take protobuf's decode errors apart, compiled on the
// first error: every kafel run would pay for them at start-up otherwise.
var (
	decodePos    = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\(line (\d+):(\d+)\): (.*)$`) })
	unknownField = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^unknown field:? "?([^"]*)"?$`) })
	invalidValue = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^invalid value for (enum|[a-z0-9]+) (?:type|field [A-Za-z0-9_]+): (.*)$`)
	})
)

// decodeError turns an error of prototext or protojson into a Diagnostic
// at the line and column it names, with a did-you-mean for unknown field
// names and enum values.
func (f *File) decodeError(err error) error {
	// protobuf-go puts a non-breaking space in its messages at random.
	msg := strings.ReplaceAll(err.Error(), "\u00a0", " ")
	msg = strings.TrimSpace(strings.TrimPrefix(msg, "proto: "))
	d := Diagnostic{File: f.Name, Msg: msg}
	m := decodePos().FindStringSubmatch(msg)
	if m == nil {
		if strings.Contains(msg, "unexpected EOF") {
			d.Msg = "syntax error: unexpected end of file (a '}' missing?)"
			d.Line, d.Col, d.Source = position(f.Src, len(f.Src))
		}
		return &Error{Diags: []Diagnostic{d}}
	}
	line, _ := strconv.Atoi(m[1])
	col, _ := strconv.Atoi(m[2])
	d.Msg = m[3]
	if strings.HasPrefix(msg, "syntax error") {
		d.Msg = "syntax error: " + d.Msg
	}
	off := offsetOf(f.Src, line, col)
	d.Line, d.Col, d.Source = position(f.Src, off)
	f.index()
	if u := unknownField().FindStringSubmatch(d.Msg); u != nil {
		md := f.messageAt(off, true)
		d.Msg = fmt.Sprintf("unknown field %q in %s", u[1], md.Name())
		if s := suggest.Closest(u[1], fieldNames(md)); s != "" {
			d.Msg += fmt.Sprintf(" (did you mean %q?)", s)
		}
		if note := unsupportedNsjail(u[1]); note != "" {
			d.Msg = fmt.Sprintf("nsjail field %q is not supported by kafel run: %s", u[1], note)
		}
	} else if v := invalidValue().FindStringSubmatch(d.Msg); v != nil {
		if n := f.tree.at(f.Src, off); n != nil {
			if fd := f.fieldOf(n); fd != nil {
				d.Msg = fmt.Sprintf("invalid value %s for %s (%s)", v[2], fd.Name(), kindName(fd))
				if fd.Enum() != nil {
					var names []string
					vals := fd.Enum().Values()
					for i := range vals.Len() {
						names = append(names, string(vals.Get(i).Name()))
					}
					d.Msg = fmt.Sprintf("invalid value %s for %s: want one of %s", v[2], fd.Name(), strings.Join(names, ", "))
					if s := suggest.Closest(strings.Trim(v[2], `"`), names); s != "" {
						d.Msg += fmt.Sprintf(" (did you mean %s?)", s)
					}
				}
			}
		}
	}
	return &Error{Diags: []Diagnostic{d}}
}

func kindName(fd protoreflect.FieldDescriptor) string {
	switch fd.Kind() {
	case protoreflect.Uint32Kind, protoreflect.Uint64Kind:
		return "a number ≥ 0"
	case protoreflect.Int32Kind, protoreflect.Int64Kind:
		return "a whole number"
	case protoreflect.BoolKind:
		return "true or false"
	case protoreflect.StringKind, protoreflect.BytesKind:
		return "a quoted string"
	}
	return fd.Kind().String()
}

// unsupportedNsjail says why a field of newer nsjail versions, which this
// schema leaves out on purpose, is left out ("" for other names).
func unsupportedNsjail(field string) string {
	switch field {
	case "user_net":
		return "user-mode networking is not implemented"
	case "seccomp_unotify":
		return "seccomp user notification is not implemented"
	}
	return ""
}

// messageAt returns the message descriptor whose fields are written
// around off: the message of the innermost block that contains it.
// unknown says off is at a field name that is not known, so the node
// there is a field of its parent.
func (f *File) messageAt(off int, unknown bool) protoreflect.MessageDescriptor {
	n := f.tree.at(f.Src, off)
	var chain []string
	if n != nil {
		p := n.parent
		if !unknown {
			p = n
		}
		for ; p != nil && p.parent != nil; p = p.parent {
			chain = append([]string{p.key}, chain...)
		}
	}
	md := (&NsJailConfig{}).ProtoReflect().Descriptor()
	for _, k := range chain {
		fd := fieldByName(md, k)
		if fd == nil || fd.Message() == nil {
			break
		}
		md = fd.Message()
	}
	return md
}

// fieldOf returns the descriptor of the field node n stands for.
func (f *File) fieldOf(n *node) protoreflect.FieldDescriptor {
	var chain []string
	for p := n; p != nil && p.parent != nil; p = p.parent {
		chain = append([]string{p.key}, chain...)
	}
	md := (&NsJailConfig{}).ProtoReflect().Descriptor()
	var fd protoreflect.FieldDescriptor
	for _, k := range chain {
		if md == nil {
			return nil
		}
		fd = fieldByName(md, k)
		if fd == nil {
			return nil
		}
		md = fd.Message()
	}
	return fd
}

func fieldByName(md protoreflect.MessageDescriptor, name string) protoreflect.FieldDescriptor {
	if fd := md.Fields().ByName(protoreflect.Name(name)); fd != nil {
		return fd
	}
	return md.Fields().ByJSONName(name)
}

func fieldNames(md protoreflect.MessageDescriptor) []string {
	var out []string
	for i := range md.Fields().Len() {
		out = append(out, string(md.Fields().Get(i).Name()))
	}
	return out
}

// at returns a diagnostic at the field path, or at the deepest part of
// it that is written in the file.
func (f *File) at(sev Severity, path []seg, format string, args ...any) Diagnostic {
	d := Diagnostic{File: f.Name, Severity: sev, Msg: fmt.Sprintf(format, args...)}
	if f.tree == nil {
		return d
	}
	n, _ := f.tree.find(path)
	if n != nil && n.parent != nil {
		d.Line, d.Col, d.Source = position(f.Src, n.off)
	}
	return d
}

// checkRequired reports the fields nsjail's schema requires that are
// missing: a mount's dst and exec_bin's path.
func (f *File) checkRequired(diags *diagList) {
	for i, m := range f.Msg.GetMount() {
		if m.Dst == nil {
			*diags = append(*diags, f.at(SeverityError, []seg{{"mount", i}}, "mount has no dst (the mount point in the jail)"))
		}
	}
	if f.Msg.ExecBin != nil && f.Msg.ExecBin.Path == nil {
		*diags = append(*diags, f.at(SeverityError, []seg{{"exec_bin", 0}}, "exec_bin has no path"))
	}
}
