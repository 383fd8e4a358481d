x=b
case b in $x) echo var;; esac
case 'a b' in 'a b') echo spaced;; esac
