case x in [!a-c]) echo negated;; esac
case b in [!a-c]) echo no;; *) echo in-range;; esac
