
## part a (being merged into en.ftl)

