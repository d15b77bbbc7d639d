# decoy-24 (generated)
provider "aws" {
  region = "eu-west-1"
}
resource "aws_s3_bucket" "assets" {
  secret_name = "prod/billing/db-password"
  bucket = "acme-assets-prod"
}
