echo a
! | true
