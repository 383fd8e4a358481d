x='*'
case abc in "$x") echo literal;; $x) echo pattern;; esac
case '*' in "$x") echo literal;; esac
