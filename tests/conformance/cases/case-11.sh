case z in a) echo a;; esac
echo $?
case a in a) (exit 3);; esac
echo $?
