case 'a.b' in *.*) echo dot;; esac
case '?' in \?) echo q;; esac
case '*' in '*') echo star;; esac
