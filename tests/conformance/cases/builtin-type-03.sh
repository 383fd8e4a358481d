alias a1='echo x'
type a1
type :
