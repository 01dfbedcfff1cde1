package grammar

import (
	"errors"
	"io"

	"github.com/alecthomas/participle/v2/lexer"
)

// sliceDefinition is a participle lexer.Definition whose lexers replay a
// token slice that the scanner already produced; Parse feeds participle one
// statement at a time this way.
type sliceDefinition struct{}

// Symbols implements lexer.Definition.
func (sliceDefinition) Symbols() map[string]lexer.TokenType { return tokenSymbols() }

// Lex implements lexer.Definition; only sliceLexer values are lexed here.
func (sliceDefinition) Lex(string, io.Reader) (lexer.Lexer, error) {
	return nil, errors.New("grammar: parse through Parse")
}

// sliceLexer replays toks, then an EOF token at eof.
type sliceLexer struct {
	toks []token
	i    int
	eof  lexer.Position
}

// Next implements lexer.Lexer.
func (l *sliceLexer) Next() (lexer.Token, error) {
	if l.i >= len(l.toks) {
		return lexer.EOFToken(l.eof), nil
	}
	t := l.toks[l.i]
	l.i++
	return lexer.Token{Type: t.typ(), Value: t.value, Pos: t.pos()}, nil
}
