while do echo; done
