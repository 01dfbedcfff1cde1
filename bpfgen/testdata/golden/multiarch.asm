; seccomp filter compiled from multiarch.policy for x86_64,x86,aarch64
        ld [4]                           ; arch
        jeq #0xc000003e, L0004           ; arch 0xc000003e
        jeq #0x40000003, L0010           ; arch 0x40000003
        jeq #0xc00000b7, L0017, L0025    ; arch 0xc00000b7
L0004:  ld [0]                           ; nr
        jge #0xe8, L0025                 ; nr >= 232
        jge #0x4, L0009                  ; nr >= 4
        jeq #0x1, L0023                  ; write
        jeq #0x2, L0025, L0026           ; 2
L0009:  jge #0xe7, L0026, L0025          ; nr >= exit_group
L0010:  ld [0]                           ; nr
        jge #0xfd, L0025                 ; nr >= 253
        jge #0x7, L0016                  ; nr >= 7
        jeq #0x3, L0026                  ; read
        jeq #0x4, L0023                  ; write
        jeq #0x6, L0026, L0025           ; close
L0016:  jge #0xfc, L0026, L0025          ; nr >= exit_group
L0017:  ld [0]                           ; nr
        jge #0x5f, L0025                 ; nr >= 95
        jeq #0x39, L0026                 ; close
        jeq #0x3f, L0026                 ; read
        jeq #0x40, L0023                 ; write
        jeq #0x5e, L0026, L0025          ; exit_group
L0023:  ld [16]                          ; write
        jeq #0x1, L0026
L0025:  ret #0x0                         ; KILL
L0026:  ret #0x7fff0000                  ; ALLOW
