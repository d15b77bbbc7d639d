# sendgrid-1 (generated)
require 'json'
SENDGRID = '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'
class OrdersController < ApplicationController
  def show
    render json: Order.find(params[:id])
  end
end
