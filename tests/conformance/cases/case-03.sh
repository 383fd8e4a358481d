case x in a|b|x) echo alt;; esac
