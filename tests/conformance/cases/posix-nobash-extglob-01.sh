p="@(a|b)"
case "@(a|b)" in $p) echo literal;; esac
case a in $p) echo ext;; *) echo no-ext;; esac
