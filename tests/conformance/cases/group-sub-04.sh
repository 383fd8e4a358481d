( (echo nested) )
((echo dbl) )
