from .docs import markdown

print(markdown(), end="")
