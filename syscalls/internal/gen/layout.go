package main

import (
	"fmt"
	"strings"
)

// maxArgs is the number of arguments seccomp_data carries.
const maxArgs = 6

// layout turns C parameters into the registers seccomp sees. On a 32-bit
// arch a 64-bit parameter takes two registers: they are named name_lo and
// name_hi in register order (the high half first on big-endian arches),
// and on ARM EABI and MIPS o32 the pair starts at an even register, the
// skipped one named "pad". Registers past the sixth are not visible to
// seccomp and are dropped.
func layout(s *archSpec, params []param) ([]outArg, error) {
	var out []outArg
	for _, p := range params {
		if strings.Contains(p.typ, "pt_regs*") {
			continue // the entry gets the saved registers, not an argument
		}
		w, err := width(s, p.typ)
		if err != nil {
			return nil, err
		}
		if w == 8 && s.wordSize == 4 {
			if s.pairAlign && len(out)%2 == 1 {
				out = append(out, outArg{name: "pad", size: 4})
			}
			lo, hi := outArg{name: p.name + "_lo", size: 4}, outArg{name: p.name + "_hi", size: 4}
			if s.bigEndian {
				out = append(out, hi, lo)
			} else {
				out = append(out, lo, hi)
			}
			continue
		}
		out = append(out, outArg{name: p.name, size: w})
	}
	if len(out) > maxArgs {
		out = out[:maxArgs]
	}
	return out, nil
}

// width returns the size in bytes of a parameter of C type typ.
func width(s *archSpec, typ string) (int, error) {
	if strings.Contains(typ, "*") || strings.HasSuffix(typ, "[]") {
		return s.wordSize, nil
	}
	if strings.HasPrefix(strings.TrimPrefix(typ, "const "), "enum ") {
		return 4, nil // enums are int-sized
	}
	t := typ
	for _, q := range []string{"const ", "volatile ", "__user ", "enum "} {
		t = strings.ReplaceAll(t, q, "")
	}
	t = strings.TrimPrefix(strings.TrimSpace(t), "signed ")
	switch t {
	case "long", "unsigned long", "long int", "unsigned long int", "size_t", "ssize_t", "off_t",
		"__kernel_old_time_t", "old_time32_t", "aio_context_t", "old_sigset_t", "cap_user_header_t",
		"cap_user_data_t", "uintptr_t", "__sighandler_t", "sighandler_t", "__kernel_size_t", "__kernel_ulong_t":
		if t == "old_time32_t" {
			return 4, nil
		}
		return s.wordSize, nil
	case "int", "unsigned int", "unsigned", "u32", "__u32", "s32", "__s32", "uint32_t", "int32_t",
		"pid_t", "uid_t", "gid_t", "key_serial_t", "timer_t", "clockid_t", "mqd_t", "qid_t",
		"rwf_t", "__kernel_rwf_t", "key_t", "compat_uptr_t", "unsigned int flags", "fmode_t",
		"__kernel_pid_t", "mode_t", "dev_t", "__kernel_daddr_t", "u_int32_t":
		return 4, nil
	case "umode_t", "unsigned short", "u16", "__u16", "short":
		return 2, nil
	case "old_uid_t", "old_gid_t":
		if s.uid16 {
			return 2, nil
		}
		return 4, nil
	case "loff_t", "u64", "__u64", "s64", "__s64", "long long", "unsigned long long", "uint64_t",
		"int64_t", "__kernel_loff_t", "off64_t":
		return 8, nil
	case "char", "unsigned char", "u8", "__u8", "bool":
		return 1, nil
	}
	return 0, fmt.Errorf("unknown width of type %q", typ)
}
