case x in
x) echo x
