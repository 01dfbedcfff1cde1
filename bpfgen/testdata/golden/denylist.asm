; seccomp filter compiled from denylist.policy for x86_64
        ld [4]                           ; arch
        jne #0xc000003e, L0018           ; arch 0xc000003e
        ld [0]                           ; nr
        jge #0x144, L0015                ; nr >= 324
        jge #0xa5, L0006                 ; nr >= mount
        jeq #0x65, L0018, L0019          ; ptrace
L0006:  jge #0x110, L0009                ; nr >= unshare
        jlt #0xa7, L0018                 ; nr >= 167
        jeq #0xf6, L0018, L0019          ; kexec_load
L0009:  jge #0x136, L0012                ; nr >= process_vm_readv
        jlt #0x111, L0020                ; nr >= 273
        jeq #0x134, L0020, L0019         ; setns
L0012:  jge #0x141, L0014                ; nr >= bpf
        jge #0x138, L0019, L0018         ; nr >= 312
L0014:  jeq #0x142, L0019, L0018         ; 322
L0015:  jlt #0x40000000, L0019           ; nr >= 1073741824
        jlt #0x80000000, L0018           ; nr >= 2147483648
        jlt #0xc0000000, L0019           ; nr >= 3221225472
L0018:  ret #0x0                         ; KILL
L0019:  ret #0x7fff0000                  ; ALLOW
L0020:  ret #0x50001                     ; ERRNO(1)
