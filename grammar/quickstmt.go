package grammar

// quickStmt is the fast path of parser.file for the statements at file
// scope: POLICY and action blocks, which hold the rules of a large policy,
// and #define, USE and DEFAULT, which participle would read at some ten
// microseconds each. Starting at p.toks[i] (a statement keyword at depth 0), it reads
// the whole statement straight from the tokens (each rule with quickRule)
// and, when the statement is well formed to its closing brace and what
// follows starts another statement (or is a `,` or the end), adds it as
// flush would and returns the index of the next token. It reports
// nothing and changes nothing but the node arena when it returns false:
// parser.file then reads the statement the usual way, which reports
// whatever is wrong with it.
//
// It runs only where the usual way would find nothing to report but the
// findings of builder.checkFilter, which it reports the same way: the
// scanner found nothing, no #include spliced tokens in, no statement can
// nest too deep for checkNesting, and the error limit is not reached.
// Missing or trailing commas, an empty block or policy, a DEFAULT inside
// a POLICY and anything quickRule does not read make it give up.
// TestQuickRuleMatchesParticiple, TestQuickStmtMatchesParticiple and
// FuzzQuickRule check that both ways agree.
func (p *parser) quickStmt(i int) (next int, ok bool) {
	if !p.quickStmts || p.errorCount() >= maxErrors {
		return 0, false
	}
	p.checks = p.checks[:0]
	var st Stmt
	var end int
	switch t := &p.toks[i]; {
	case t.punct == '#':
		st, end, ok = p.quickDefine(i)
	case t.typ() != tokKeyword:
		return 0, false
	case t.value == "POLICY":
		st, end, ok = p.quickPolicy(i)
	case actionKindOf(t.value) != 0:
		st, end, ok = p.quickBlock(i)
	case t.value == "USE":
		st, end, ok = p.quickUse(i)
	case t.value == "DEFAULT":
		var action *Action
		if action, end, ok = p.quickAction(i + 1); ok {
			st = &Default{Range: Range{file: t.file, pos: point{t.off, t.line, t.col}, endFile: action.endFile, end: action.end}, Action: action}
		}
	}
	if !ok {
		return 0, false
	}
	next = end + 1
	if next < len(p.toks) && p.toks[next].punct != ',' && !p.startsStatement(next) {
		return 0, false // something follows that the statement would take in
	}
	for _, f := range p.checks {
		p.filters.checkFilter(f)
	}
	p.add(st, true)
	return next, true
}

// quickPolicy reads `POLICY name { item, ... }` from p.toks[i], each item
// an action block or `USE name`. end is the index of the closing brace.
func (p *parser) quickPolicy(i int) (pol *Policy, end int, ok bool) {
	toks := p.toks
	if i+3 >= len(toks) || toks[i+1].typ() != tokIdent || toks[i+2].punct != '{' {
		return nil, 0, false
	}
	name := &toks[i+1]
	pol = &Policy{Name: &Ident{Range: name.span(), Name: name.value}}
	k := i + 3
	for {
		if k+1 >= len(toks) || toks[k].typ() != tokKeyword {
			return nil, 0, false
		}
		switch t := &toks[k]; {
		case t.value == "USE":
			use, e, ok := p.quickUse(k)
			if !ok {
				return nil, 0, false
			}
			pol.Body = append(pol.Body, use)
			k = e + 1
		case actionKindOf(t.value) != 0:
			blk, e, ok := p.quickBlock(k)
			if !ok {
				return nil, 0, false
			}
			pol.Body = append(pol.Body, blk)
			k = e + 1
		default:
			return nil, 0, false
		}
		if k+1 < len(toks) && toks[k].punct == ',' && toks[k+1].punct != '}' {
			k++
			continue
		}
		if k < len(toks) && toks[k].punct == '}' {
			pol.Range = tokenRange(&toks[i], &toks[k])
			return pol, k, true
		}
		return nil, 0, false
	}
}

// quickBlock reads `ACTION { rule, ... }` (or `ERRNO(n) { ... }`) from
// p.toks[i]; end is the index of the closing brace. The filters of its
// rules that checkFilter may find something in are appended to p.checks,
// for quickStmt to check once the whole statement has been read.
func (p *parser) quickBlock(i int) (blk *ActionBlock, end int, ok bool) {
	toks := p.toks
	action, open, ok := p.quickAction(i)
	if !ok {
		return nil, 0, false
	}
	open++
	if open >= len(toks) || toks[open].punct != '{' {
		return nil, 0, false
	}
	// Cut the rules at the commas outside brackets, up to the closing
	// brace. A rule quickRule accepts has its brackets balanced, so where
	// it does, these are the cuts of itemsUntilClose.
	spans := p.spans[:0]
	start, depth := open+1, 0
	end = -1
	for k := open + 1; k < len(toks) && end < 0; k++ {
		switch toks[k].punct {
		case '(', '[', '{':
			depth++
		case ')', ']':
			depth--
		case '}':
			if depth == 0 {
				end = k
				spans = append(spans, span{start, k})
			}
			depth--
		case ',':
			if depth == 0 {
				spans = append(spans, span{start, k})
				start = k + 1
			}
		}
		if depth < 0 && end < 0 {
			return nil, 0, false
		}
	}
	p.spans = spans
	if end < 0 {
		return nil, 0, false
	}
	p.nodes.reserveRules(len(spans))
	rules := make([]*Rule, len(spans))
	for n, sp := range spans {
		if sp.start == sp.end {
			return nil, 0, false // an empty block, `,,` or a trailing comma
		}
		r, check, ok := quickRule(toks[sp.start:sp.end], toks[sp.end].pos(), p.nodes, true, p.opts.MaxDepth)
		if !ok {
			return nil, 0, false
		}
		rules[n] = r
		if check {
			p.checks = append(p.checks, r.Filter)
		}
	}
	blk = &ActionBlock{Range: tokenRange(&toks[i], &toks[end]), Action: action, Rules: rules}
	return blk, end, true
}

// quickAction reads an action (`KILL`, `ERRNO(n)`) from p.toks[i]; end is
// the index of its last token.
func (p *parser) quickAction(i int) (action *Action, end int, ok bool) {
	toks := p.toks
	if i >= len(toks) || toks[i].typ() != tokKeyword {
		return nil, 0, false
	}
	kind := actionKindOf(toks[i].value)
	if kind == 0 {
		return nil, 0, false
	}
	action = &Action{Kind: kind, Keyword: toks[i].value}
	end = i
	if kind.HasParam() {
		if i+3 >= len(toks) || toks[i+1].punct != '(' || toks[i+2].typ() != tokNumber || toks[i+3].punct != ')' {
			return nil, 0, false
		}
		n := &toks[i+2]
		v, _ := numberValue(n.value)
		action.Param = &Number{Range: n.span(), Text: n.value, Value: v}
		end = i + 3
	}
	action.Range = tokenRange(&toks[i], &toks[end])
	return action, end, true
}

// quickUse reads `USE name` from p.toks[i]; end is the index of the name.
func (p *parser) quickUse(i int) (use *Use, end int, ok bool) {
	toks := p.toks
	if i+1 >= len(toks) || toks[i+1].typ() != tokIdent {
		return nil, 0, false
	}
	n := &toks[i+1]
	return &Use{Range: tokenRange(&toks[i], n), Name: &Ident{Range: n.span(), Name: n.value}}, i + 1, true
}

// quickDefine reads `#define NAME NUMBER` from p.toks[i]; end is the
// index of the number.
func (p *parser) quickDefine(i int) (def *Define, end int, ok bool) {
	toks := p.toks
	if i+3 >= len(toks) || toks[i+1].typ() != tokKeyword || toks[i+1].value != "define" ||
		toks[i+2].typ() != tokIdent || toks[i+3].typ() != tokNumber {
		return nil, 0, false
	}
	name, num := &toks[i+2], &toks[i+3]
	v, _ := numberValue(num.value) // out-of-range literals were reported by the scanner
	return &Define{
		Range: tokenRange(&toks[i], num),
		Name:  &Ident{Range: name.span(), Name: name.value},
		Value: &Number{Range: num.span(), Text: num.value, Value: v},
	}, i + 3, true
}
