case x in
x) cat <<END
inside case
END
;;
esac
