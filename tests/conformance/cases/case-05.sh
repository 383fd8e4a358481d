case '' in '') echo empty;; esac
case x in '') echo no;; *) echo nonempty;; esac
