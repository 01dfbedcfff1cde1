package bpfgen

// Action is a seccomp return value (SECCOMP_RET_*), data included.
type Action uint32

// Seccomp return values.
const (
	KillThread  Action = 0x00000000
	KillProcess Action = 0x80000000
	Trap        Action = 0x00030000
	Errno       Action = 0x00050000
	UserNotif   Action = 0x7fc00000
	Trace       Action = 0x7ff00000
	Log         Action = 0x7ffc0000
	Allow       Action = 0x7fff0000
)

// WithData returns the action with its 16-bit data set (ERRNO, TRAP, TRACE).
func (a Action) WithData(n uint16) Action { return a&0xffff0000 | Action(n) }

// CmpOp is a comparison operator. All comparisons are unsigned.
type CmpOp int

// Comparison operators.
const (
	Eq CmpOp = iota
	Ne
	Lt
	Le
	Gt
	Ge
)

// Expr is a boolean condition over the six syscall arguments:
// one of *And, *Or, *Not, *Compare.
type Expr interface{ isExpr() }

// Value is an operand of a comparison: Arg, Const, *BitAnd or *BitOr.
type Value interface{ isValue() }

// And holds when both X and Y hold.
type And struct{ X, Y Expr }

// Or holds when X or Y holds.
type Or struct{ X, Y Expr }

// Not holds when X does not.
type Not struct{ X Expr }

// Compare compares two values. When Is32 is set only the low 32 bits of
// both sides take part; otherwise the full 64-bit values are compared.
type Compare struct {
	Op   CmpOp
	X, Y Value
	Is32 bool
}

// Arg is syscall argument number 0..5.
type Arg int

// Const is a number.
type Const uint64

// BitAnd is X & Y.
type BitAnd struct{ X, Y Value }

// BitOr is X | Y.
type BitOr struct{ X, Y Value }

func (*And) isExpr()     {}
func (*Or) isExpr()      {}
func (*Not) isExpr()     {}
func (*Compare) isExpr() {}
func (Arg) isValue()     {}
func (Const) isValue()   {}
func (*BitAnd) isValue() {}
func (*BitOr) isValue()  {}

// Rule is one rule for a syscall: when Cond holds (nil always holds), the
// syscall gets Action.
type Rule struct {
	Cond   Expr
	Action Action
}

// ArchRules are the rules of one target arch.
type ArchRules struct {
	// AuditArch is the AUDIT_ARCH_* value to match in seccomp_data.arch.
	AuditArch uint32
	// BigEndian selects the word order of 64-bit arguments in seccomp_data.
	BigEndian bool
	// AllowX32 applies only to AUDIT_ARCH_X86_64: when false, x32 syscall
	// numbers (0x40000000..0x7fffffff, see IsX32) are treated as a
	// foreign arch.
	AllowX32 bool
	// Default is the action when no rule of a syscall holds.
	Default Action
	// Syscalls maps a syscall number to its rules, first match wins.
	Syscalls map[uint32][]Rule
	// Names optionally names syscall numbers, for comments in listings.
	Names map[uint32]string
}

// RuleSet is the input of the code generator: the rules of each target arch.
type RuleSet struct {
	Arches []ArchRules
	// ForeignArch is the action for an arch not in Arches (and for x32 calls
	// unless allowed). The zero value is KillThread, as in the reference.
	ForeignArch Action
}

// SeccompData mirrors the kernel's struct seccomp_data.
type SeccompData struct {
	Nr                 int32
	Arch               uint32
	InstructionPointer uint64
	Args               [6]uint64
}
