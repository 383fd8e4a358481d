case a in
  a)
    echo multi
    echo line
    ;;
esac
