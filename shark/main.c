/* main.c - shark's entry point (placeholder until the shell lands). */
int main(void);

int main(void)
{
	fputs("shark: the shell is not built yet\n", stderr);
	return 2;
}
