## publication
