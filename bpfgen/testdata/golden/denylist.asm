; seccomp filter compiled from denylist.policy for x86_64
        ld [4]                           ; arch
        jne #0xc000003e, L0016           ; arch 0xc000003e
        ld [0]                           ; nr
        jge #0x144, L0015                ; nr >= 324
        jge #0xa5, L0006                 ; nr >= mount
        jeq #0x65, L0016, L0017          ; ptrace
L0006:  jge #0x110, L0009                ; nr >= unshare
        jlt #0xa7, L0016                 ; nr >= 167
        jeq #0xf6, L0016, L0017          ; kexec_load
L0009:  jge #0x136, L0012                ; nr >= process_vm_readv
        jlt #0x111, L0018                ; nr >= 273
        jeq #0x134, L0018, L0017         ; setns
L0012:  jge #0x141, L0014                ; nr >= bpf
        jge #0x138, L0017, L0016         ; nr >= 312
L0014:  jeq #0x142, L0017, L0016         ; 322
L0015:  jset #0x40000000, L0016, L0017   ; x32
L0016:  ret #0x0                         ; KILL
L0017:  ret #0x7fff0000                  ; ALLOW
L0018:  ret #0x50001                     ; ERRNO(1)
