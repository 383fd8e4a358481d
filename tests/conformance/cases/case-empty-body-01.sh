case x in x) ;; esac
echo $?
case x in
x)
esac
echo done
