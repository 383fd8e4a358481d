case 'a*' in a'*') echo literal-star;; esac
case 'ab' in a'*') echo no;; *) echo not-literal;; esac
