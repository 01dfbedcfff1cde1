; seccomp filter compiled from args.policy for x86_64
        ld [4]                           ; arch
        jne #0xc000003e, L0042           ; arch 0xc000003e
        ld [0]                           ; nr
        jge #0x102, L0040                ; nr >= 258
        jge #0x3f, L0037                 ; nr >= 63
        jge #0x2, L0016                  ; nr >= 2
        jge #0x1, L0013                  ; nr >= write
        ld [16]                          ; read
        jge #0x3, L0043
        ld [36]                          ; args[2]+4
        jne #0x0, L0044
        ld [32]                          ; args[2]
        jgt #0x10, L0044, L0043
L0013:  ld [16]                          ; write
        jeq #0x1, L0044
        jeq #0x2, L0044, L0043
L0016:  jeq #0x8, L0020                  ; lseek
        jeq #0x9, L0024                  ; mmap
        jeq #0x21, L0031                 ; dup2
        jeq #0x3e, L0035, L0043          ; kill
L0020:  ld [28]                          ; lseek
        jne #0xffffffff, L0045
        ld [24]                          ; args[1]
        jeq #0xffffffff, L0044, L0045
L0024:  ld [28]                          ; mmap
        jlt #0x1, L0029
        jne #0x1, L0045
        ld [24]                          ; args[1]
        jne #0x0, L0045
L0029:  ld [32]                          ; args[2]
        jset #0x4, L0045, L0044
L0031:  ld [24]                          ; dup2
        tax
        ld [16]                          ; args[0]
        jeq x, L0044, L0043
L0035:  ld [16]                          ; kill
        jeq #0x0, L0043, L0044
L0037:  jlt #0x101, L0043                ; nr >= openat
        ld [32]                          ; openat
        jset #0x3, L0043, L0044
L0040:  jlt #0x40000000, L0043           ; nr >= 1073741824
        jge #0x80000000, L0043           ; nr >= 2147483648
L0042:  ret #0x0                         ; KILL
L0043:  ret #0x80000000                  ; KILL_PROCESS
L0044:  ret #0x7fff0000                  ; ALLOW
L0045:  ret #0x50016                     ; ERRNO(22)
