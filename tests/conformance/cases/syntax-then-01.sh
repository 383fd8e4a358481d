then echo x
