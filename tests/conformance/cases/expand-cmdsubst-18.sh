$(echo echo) runs-as-command
`echo printf` '%s\n' backquote-command
