p='a|b'
case a in $p) echo matched-var;; *) echo no-split;; esac
case 'a|b' in "$p") echo literal;; esac
