package nsjailcfg

import (
	"bytes"
	"unicode/utf8"
)

// The loader finds where a field was written with a light scan of the
// file: it builds a tree of the field names and their positions, tolerant
// of errors, for both the text format and JSON. It is used only to place
// diagnostics; the protobuf decoders do the parsing.

// node is one written field (or one element of a list) and its fields.
type node struct {
	key      string
	off      int // byte offset of the key (or of the list element)
	children []*node
	parent   *node
}

type token struct {
	kind byte // 'i' identifier, 's' string, 'n' number, or the punctuation itself
	text string
	off  int
}

// maxScanDepth bounds the nesting the scan follows; deeper text is not
// part of a valid NsJailConfig anyway.
const maxScanDepth = 32

func tokenize(src []byte) []token {
	var toks []token
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == '#':
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(src) && src[i+1] == '/':
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			i++
		case c == '"' || c == '\'':
			start := i
			i++
			var b bytes.Buffer
			for i < len(src) && src[i] != c && src[i] != '\n' {
				if src[i] == '\\' && i+1 < len(src) {
					i++
				}
				b.WriteByte(src[i])
				i++
			}
			if i < len(src) && src[i] == c {
				i++
			}
			toks = append(toks, token{'s', b.String(), start})
		case isIdentStart(c):
			start := i
			for i < len(src) && (isIdentStart(src[i]) || isDigit(src[i]) || src[i] == '.') {
				i++
			}
			toks = append(toks, token{'i', string(src[start:i]), start})
		case isDigit(c) || ((c == '-' || c == '+' || c == '.') && i+1 < len(src) && (isDigit(src[i+1]) || src[i+1] == '.')):
			start := i
			i++
			for i < len(src) && (isIdentStart(src[i]) || isDigit(src[i]) || src[i] == '.' || src[i] == '+' || src[i] == '-') {
				i++
			}
			toks = append(toks, token{'n', string(src[start:i]), start})
		default:
			toks = append(toks, token{c, string(c), i})
			i++
		}
	}
	return toks
}

func isIdentStart(c byte) bool { return c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isDigit(c byte) bool      { return '0' <= c && c <= '9' }

type scanner struct {
	toks  []token
	i     int
	depth int
}

// scanFields builds the tree of src.
func scanFields(src []byte) *node {
	root := &node{off: 0}
	s := &scanner{toks: tokenize(src)}
	// A JSON document starts with '{' that holds the top-level fields.
	if len(s.toks) > 0 && s.toks[0].kind == '{' {
		s.i = 1
	}
	for s.i < len(s.toks) {
		s.fields(root, 0)
		s.i++ // a stray closer at the top level
	}
	return root
}

func closerOf(open byte) byte {
	switch open {
	case '{':
		return '}'
	case '<':
		return '>'
	}
	return ']'
}

// fields reads "key: value" pairs into parent until the closer.
func (s *scanner) fields(parent *node, closer byte) {
	for s.i < len(s.toks) {
		t := s.toks[s.i]
		if t.kind == closer && closer != 0 || t.kind == '}' || t.kind == '>' || t.kind == ']' {
			s.i++
			return
		}
		if t.kind != 'i' && t.kind != 's' {
			s.i++
			continue
		}
		s.i++
		if s.i < len(s.toks) && s.toks[s.i].kind == ':' {
			s.i++
		}
		s.value(parent, t.text, t.off)
	}
}

// value reads the value of key: a message, a list or a scalar.
func (s *scanner) value(parent *node, key string, off int) {
	if s.i >= len(s.toks) {
		parent.add(key, off)
		return
	}
	t := s.toks[s.i]
	switch t.kind {
	case '{', '<':
		n := parent.add(key, off)
		s.i++
		s.nested(n, closerOf(t.kind))
	case '[':
		s.i++
		for s.i < len(s.toks) {
			e := s.toks[s.i]
			switch e.kind {
			case ']':
				s.i++
				return
			case ',':
				s.i++
			case '{', '<':
				n := parent.add(key, e.off)
				s.i++
				s.nested(n, closerOf(e.kind))
			case '}', '>':
				return
			default:
				parent.add(key, e.off)
				s.i++
			}
		}
	default:
		parent.add(key, off)
		if t.kind == 'i' || t.kind == 'n' || t.kind == 's' {
			s.i++
			// The text format joins adjacent strings.
			for t.kind == 's' && s.i < len(s.toks) && s.toks[s.i].kind == 's' {
				s.i++
			}
		}
		if s.i < len(s.toks) && (s.toks[s.i].kind == ',' || s.toks[s.i].kind == ';') {
			s.i++
		}
	}
}

func (s *scanner) nested(n *node, closer byte) {
	if s.depth >= maxScanDepth {
		// Skip to the matching closer without building nodes.
		level := 1
		for s.i < len(s.toks) && level > 0 {
			switch s.toks[s.i].kind {
			case '{', '<', '[':
				level++
			case '}', '>', ']':
				level--
			}
			s.i++
		}
		return
	}
	s.depth++
	s.fields(n, closer)
	s.depth--
}

func (n *node) add(key string, off int) *node {
	c := &node{key: key, off: off, parent: n}
	n.children = append(n.children, c)
	return c
}

// seg is one step of a field path: the index-th occurrence of name.
type seg struct {
	name  string
	index int
}

// find walks path from n and returns the deepest node reached and
// whether the whole path was found.
func (n *node) find(path []seg) (*node, bool) {
	cur := n
	for _, p := range path {
		var next *node
		k := 0
		for _, c := range cur.children {
			if c.key == p.name || c.key == jsonName(p.name) {
				if k == p.index {
					next = c
					break
				}
				k++
			}
		}
		if next == nil {
			return cur, false
		}
		cur = next
	}
	return cur, true
}

// at returns the last node that starts on the line of off at or before
// it: the field a decoder error at off is about.
func (n *node) at(src []byte, off int) *node {
	lineStart := bytes.LastIndexByte(src[:min(off, len(src))], '\n') + 1
	var best *node
	var walk func(*node)
	walk = func(x *node) {
		for _, c := range x.children {
			if c.off >= lineStart && c.off <= off {
				best = c
			}
			walk(c)
		}
	}
	walk(n)
	return best
}

// jsonName is protojson's name of a proto field: lowerCamelCase.
func jsonName(name string) string {
	var b []byte
	up := false
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c == '_' {
			up = true
			continue
		}
		if up && 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		up = false
		b = append(b, c)
	}
	return string(b)
}

// position returns the 1-based line and column (in characters) of off,
// and the text of that line.
func position(src []byte, off int) (line, col int, text string) {
	off = max(0, min(off, len(src)))
	line = bytes.Count(src[:off], []byte("\n")) + 1
	start := bytes.LastIndexByte(src[:off], '\n') + 1
	end := bytes.IndexByte(src[off:], '\n')
	if end < 0 {
		end = len(src)
	} else {
		end += off
	}
	col = utf8.RuneCount(src[start:off]) + 1
	return line, col, string(bytes.TrimRight(src[start:end], "\r"))
}

// offsetOf returns the byte offset of a 1-based line and column.
func offsetOf(src []byte, line, col int) int {
	off := 0
	for l := 1; l < line; l++ {
		i := bytes.IndexByte(src[off:], '\n')
		if i < 0 {
			return len(src)
		}
		off += i + 1
	}
	for c := 1; c < col && off < len(src); c++ {
		_, size := utf8.DecodeRune(src[off:])
		if src[off] == '\n' {
			break
		}
		off += size
	}
	return off
}
