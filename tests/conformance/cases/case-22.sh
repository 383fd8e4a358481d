case x in
esac
echo $?
